-- The one judge of a published figure (docs/contract.md §4, published_comparison.status), used by marts/published_comparison,
-- tests/test_sample.py and tests/test_sql_published_status.py. Arguments:
--   unit: the figure's unit as published_figures.csv writes it (count, percent, "percent (approx.)", EUR, date...);
--   published_value: the published value as text;
--   measure: the computed number (for a percent: 100 × numerator / denominator, not rounded), or null;
--   text_value: the computed text for dates and lists, or null.
-- reproduced: a count, date or list equal; a percent equal once rounded to a whole percent (half away from zero);
-- (approx.) within ±2 points for a percent and ±5 % otherwise; (lower bound) / (upper bound) on the right side of
-- the bound (compared unrounded); an amount in EUR equal to the euro. Nothing computed: not_computable.
create or replace macro published_status(unit, published_value, measure, text_value) as
    case
        when text_value is null and measure is null then 'not_computable'
        when text_value is not null then if(text_value = published_value, 'reproduced', 'differs')
        when contains(unit, 'lower bound') then if(measure >= cast(published_value as double), 'reproduced', 'differs')
        when contains(unit, 'upper bound') then if(measure <= cast(published_value as double), 'reproduced', 'differs')
        when contains(unit, 'approx.') and starts_with(unit, 'percent')
            then if(abs(measure - cast(published_value as double)) <= 2, 'reproduced', 'differs')
        when contains(unit, 'approx.')
            then if(abs(measure - cast(published_value as double)) <= cast(published_value as double) * 5 / 100,
                    'reproduced', 'differs')
        else if(round(measure) = cast(published_value as double), 'reproduced', 'differs')
    end
