-- The plan's KPI targets (tenantdb_bi_kpi_targets(), bi 0010) beside the actuals the report passes, exact: how much
-- of each target is attained (0 to 1) and whether it is met (attained in full: at or beyond the target).
SELECT k.kpi,
       a.actual,
       k.target,
       k.target_max,
       k.direction,
       k.weight,
       k.unit,
       t.attainment,
       t.attainment = 1 AS met
FROM tenantdb_bi_kpi_targets() AS k
LEFT JOIN (
    VALUES ('revenue_protection_rate', %(revenue_protection_rate)s::numeric),
           ('optimization_savings_rate', %(optimization_savings_rate)s::numeric),
           ('efficiency_score', %(efficiency_score)s::numeric),
           ('avg_decision_time_hours', %(avg_decision_time_hours)s::numeric),
           ('gross_margin_ratio', %(gross_margin_ratio)s::numeric)
) AS a (kpi, actual) ON a.kpi = k.kpi
CROSS JOIN LATERAL (SELECT tenantdb_bi_kpi_attainment(k.direction, k.target, a.actual) AS attainment) AS t
ORDER BY k.weight DESC, k.kpi
