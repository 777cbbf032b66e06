-- Two-sided p-value of the score test comparing two independent proportions n1/d1 and n2/d2 (pooled variance, the
-- test a χ² on the 2×2 table gives): z = (p1 − p2) / sqrt(p (1 − p) (1/d1 + 1/d2)) with p = (n1 + n2) / (d1 + d2),
-- p-value = erfc(|z| / √2). DuckDB has no erfc: Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, far under
-- any threshold we read). Null when a wave has nobody answering; 1 when both shares are 0 % or both 100 %.
-- Used by marts/survey_wave_comparison for the multiplicity correction (Holm), not for the intervals (Newcombe).
create or replace macro erfc_of_nonnegative(x) as
    (0.254829592 * (1 / (1 + 0.3275911 * x)) - 0.284496736 * (1 / (1 + 0.3275911 * x)) ^ 2
     + 1.421413741 * (1 / (1 + 0.3275911 * x)) ^ 3 - 1.453152027 * (1 / (1 + 0.3275911 * x)) ^ 4
     + 1.061405429 * (1 / (1 + 0.3275911 * x)) ^ 5) * exp(-x * x);

create or replace macro two_proportion_p_value(n1, d1, n2, d2) as
    case
        when d1 is null or d2 is null or d1 = 0 or d2 = 0 then null
        when n1 + n2 = 0 or n1 + n2 = d1 + d2 then 1.0
        else least(1.0, erfc_of_nonnegative(
            abs(n1 / d1 - n2 / d2)
            / sqrt((n1 + n2) / (d1 + d2) * (1 - (n1 + n2) / (d1 + d2)) * (1 / d1 + 1 / d2))
            / sqrt(2)))
    end;
