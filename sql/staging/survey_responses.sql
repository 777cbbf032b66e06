-- Complete survey responses: the rows survey_row_selection selects (last row of a repeated id, submitdate given).
select answers.*
from staging.survey_answers as answers
inner join staging.survey_row_selection as selection
    on answers.source_file = selection.source_file
    and answers.row_number = selection.row_number
where selection.selected
