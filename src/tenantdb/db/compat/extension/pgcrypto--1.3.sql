-- tenantdb's SQL subset of pgcrypto 1.3 (see ../README.md); signatures match the C extension.
\echo Use "CREATE EXTENSION pgcrypto" to load this file. \quit

-- SHA-1 (FIPS 180-4) in PL/pgSQL: PostgreSQL's core has md5 and sha224..sha512 but no sha1.
CREATE FUNCTION @extschema@.tenantdb_pgcrypto_sha1(data bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    mask constant bigint := 4294967295;
    h bigint[] := ARRAY[1732584193, 4023233417, 2562383102, 271733878, 3285377520];
    msg bytea := data || '\x80'::bytea;
    w bigint[];
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
    o integer;
BEGIN
    WHILE length(msg) % 64 <> 56 LOOP
        msg := msg || '\x00'::bytea;
    END LOOP;
    msg := msg || int8send(length(data)::bigint * 8);
    FOR chunk IN 0 .. length(msg) / 64 - 1 LOOP
        w := array_fill(0::bigint, ARRAY[80]);
        FOR i IN 0 .. 15 LOOP
            o := chunk * 64 + i * 4;
            w[i + 1] := (get_byte(msg, o)::bigint << 24) | (get_byte(msg, o + 1)::bigint << 16)
                | (get_byte(msg, o + 2)::bigint << 8) | get_byte(msg, o + 3)::bigint;
        END LOOP;
        FOR i IN 16 .. 79 LOOP
            t := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
            w[i + 1] := ((t << 1) | (t >> 31)) & mask;
        END LOOP;
        a := h[1]; b := h[2]; c := h[3]; d := h[4]; e := h[5];
        FOR i IN 0 .. 79 LOOP
            IF i < 20 THEN
                f := (b & c) | ((~b & mask) & d); k := 1518500249;
            ELSIF i < 40 THEN
                f := b # c # d; k := 1859775393;
            ELSIF i < 60 THEN
                f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE
                f := b # c # d; k := 3395469782;
            END IF;
            t := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[i + 1]) & mask;
            e := d; d := c; c := ((b << 30) | (b >> 2)) & mask; b := a; a := t;
        END LOOP;
        h := ARRAY[(h[1] + a) & mask, (h[2] + b) & mask, (h[3] + c) & mask, (h[4] + d) & mask, (h[5] + e) & mask];
    END LOOP;
    RETURN substr(int8send(h[1]), 5) || substr(int8send(h[2]), 5) || substr(int8send(h[3]), 5)
        || substr(int8send(h[4]), 5) || substr(int8send(h[5]), 5);
END
$body$;

CREATE FUNCTION @extschema@.digest(bytea, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE lower($2)
        WHEN 'md5' THEN decode(md5($1), 'hex')
        WHEN 'sha1' THEN @extschema@.tenantdb_pgcrypto_sha1($1)
        WHEN 'sha224' THEN sha224($1)
        WHEN 'sha256' THEN sha256($1)
        WHEN 'sha384' THEN sha384($1)
        WHEN 'sha512' THEN sha512($1)
        ELSE @extschema@.tenantdb_pgcrypto_unknown_digest($2)
    END
$$;

CREATE FUNCTION @extschema@.digest(text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT @extschema@.digest(convert_to($1, 'UTF8'), $2) $$;

CREATE FUNCTION @extschema@.tenantdb_pgcrypto_unknown_digest(name text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'Cannot use "%": No such hash algorithm', name USING ERRCODE = '39000';
END
$$;

-- HMAC (RFC 2104): 64-byte blocks for md5, sha1, sha224 and sha256; 128-byte blocks for sha384 and sha512.
CREATE FUNCTION @extschema@.hmac(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body$
DECLARE
    block integer := CASE WHEN lower($3) IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
    key bytea := CASE WHEN length($2) > block THEN @extschema@.digest($2, $3) ELSE $2 END;
    inner_pad bytea;
    outer_pad bytea;
BEGIN
    key := key || decode(repeat('00', block - length(key)), 'hex');
    inner_pad := key;
    outer_pad := key;
    FOR i IN 0 .. block - 1 LOOP
        inner_pad := set_byte(inner_pad, i, get_byte(key, i) # 54);
        outer_pad := set_byte(outer_pad, i, get_byte(key, i) # 92);
    END LOOP;
    RETURN @extschema@.digest(outer_pad || @extschema@.digest(inner_pad || $1, $3), $3);
END
$body$;

CREATE FUNCTION @extschema@.hmac(text, text, text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.hmac(convert_to($1, 'UTF8'), convert_to($2, 'UTF8'), $3)
$$;

-- 13 of a version 4 UUID's 16 bytes are random (pg_strong_random); the other three hold version and variant.
CREATE FUNCTION @extschema@.gen_random_bytes(integer) RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
DECLARE
    result bytea := '';
    random bytea;
BEGIN
    IF $1 < 1 OR $1 > 1024 THEN
        RAISE EXCEPTION 'Length not in range' USING ERRCODE = '22023';
    END IF;
    WHILE length(result) < $1 LOOP
        random := pg_catalog.uuid_send(pg_catalog.gen_random_uuid());
        result := result || substr(random, 1, 6) || substr(random, 10, 7);
    END LOOP;
    RETURN substr(result, 1, $1);
END
$body$;

CREATE FUNCTION @extschema@.tenantdb_pgcrypto_unavailable(function_name text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'pgcrypto function %() is not available on this PostgreSQL (built without OpenSSL); '
        'its pgcrypto is tenantdb''s SQL subset: digest, hmac, gen_random_bytes and core gen_random_uuid',
        function_name
        USING ERRCODE = '0A000',
        HINT = 'point TENANTDB_PG_BIN (or [database] pg_bin in tenantdb.toml) at the bin directory of a '
            'PostgreSQL with contrib, e.g. /usr/lib/postgresql/17/bin, or pass --dsn to a server that has pgcrypto';
END
$$;

CREATE FUNCTION @extschema@.crypt(text, text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('crypt'); END $$;

CREATE FUNCTION @extschema@.gen_salt(text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('gen_salt'); END $$;

CREATE FUNCTION @extschema@.gen_salt(text, integer) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('gen_salt'); END $$;

CREATE FUNCTION @extschema@.encrypt(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('encrypt'); END $$;

CREATE FUNCTION @extschema@.decrypt(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('decrypt'); END $$;

CREATE FUNCTION @extschema@.encrypt_iv(bytea, bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('encrypt_iv'); END $$;

CREATE FUNCTION @extschema@.decrypt_iv(bytea, bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('decrypt_iv'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_encrypt(text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_encrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_encrypt(text, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_encrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_encrypt_bytea(bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_encrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_encrypt_bytea(bytea, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_encrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_decrypt(bytea, text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_decrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_decrypt(bytea, text, text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_decrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_decrypt_bytea(bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_decrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_sym_decrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_encrypt(text, bytea) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_encrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_encrypt(text, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_encrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_encrypt_bytea(bytea, bytea) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_encrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_encrypt_bytea(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_encrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt(bytea, bytea) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt(bytea, bytea, text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt(bytea, bytea, text, text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt_bytea(bytea, bytea) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt_bytea(bytea, bytea, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_pub_decrypt_bytea(bytea, bytea, text, text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_pub_decrypt_bytea'); END $$;

CREATE FUNCTION @extschema@.pgp_key_id(bytea) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('pgp_key_id'); END $$;

CREATE FUNCTION @extschema@.armor(bytea) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('armor'); END $$;

CREATE FUNCTION @extschema@.armor(bytea, text[], text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('armor'); END $$;

CREATE FUNCTION @extschema@.dearmor(text) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM @extschema@.tenantdb_pgcrypto_unavailable('dearmor'); END $$;
