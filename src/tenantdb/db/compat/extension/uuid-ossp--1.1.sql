-- tenantdb's SQL implementation of uuid-ossp 1.1 (see ../README.md); signatures match the C extension.
\echo Use "CREATE EXTENSION ""uuid-ossp""" to load this file. \quit

-- SHA-1 (FIPS 180-4) in PL/pgSQL: PostgreSQL's core has md5 and sha224..sha512 but no sha1.
CREATE FUNCTION @extschema@.tenantdb_uuid_ossp_sha1(data bytea) RETURNS bytea
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

CREATE FUNCTION @extschema@.uuid_nil() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION @extschema@.uuid_ns_dns() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION @extschema@.uuid_ns_url() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION @extschema@.uuid_ns_oid() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $$;
CREATE FUNCTION @extschema@.uuid_ns_x500() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $$;

CREATE FUNCTION @extschema@.uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.gen_random_uuid() $$;

-- Version 1: the time in 100 ns steps since 1582-10-15, a random clock sequence and a random multicast node.
CREATE FUNCTION @extschema@.uuid_generate_v1mc() RETURNS uuid
LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $body$
DECLARE
    ticks bigint := (extract(epoch FROM pg_catalog.clock_timestamp()) * 10000000)::bigint + 122192928000000000;
    random bytea := pg_catalog.uuid_send(pg_catalog.gen_random_uuid());
BEGIN
    random := set_byte(random, 10, get_byte(random, 10) | 1);
    RETURN (lpad(to_hex(ticks & 4294967295), 8, '0') || lpad(to_hex((ticks >> 32) & 65535), 4, '0')
        || lpad(to_hex(((ticks >> 48) & 4095) | 4096), 4, '0')
        || lpad(to_hex((get_byte(random, 8) & 63 | 128) * 256 + get_byte(random, 9)), 4, '0')
        || encode(substr(random, 11, 6), 'hex'))::uuid;
END
$body$;

CREATE FUNCTION @extschema@.uuid_generate_v1() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$ SELECT @extschema@.uuid_generate_v1mc() $$;

CREATE FUNCTION @extschema@.tenantdb_uuid_ossp_name_based(hash bytea, version integer) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(
        set_byte(set_byte(substr(hash, 1, 16), 6, (get_byte(hash, 6) & 15) | (version << 4)),
                 8, (get_byte(hash, 8) & 63) | 128),
        'hex')::uuid
$$;

CREATE FUNCTION @extschema@.uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.tenantdb_uuid_ossp_name_based(
        decode(md5(pg_catalog.uuid_send(namespace) || convert_to(name, 'UTF8')), 'hex'), 3)
$$;

CREATE FUNCTION @extschema@.uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.tenantdb_uuid_ossp_name_based(
        @extschema@.tenantdb_uuid_ossp_sha1(pg_catalog.uuid_send(namespace) || convert_to(name, 'UTF8')), 5)
$$;
