-- mart: Nombre de PTSM arrêtés par le directeur général de l'ARS et de contrats territoriaux de santé mentale (CTSM) signés à chaque fin de mois depuis le premier arrêté (dernier fichier de jalons).
-- grain: une ligne par fin de mois, de la fin du mois du premier arrêté de PTSM à celle du mois du fichier de jalons le plus récent.
-- column snapshot_date: Dernier jour du mois observé.
-- column n_ptsm: Nombre de PTSM du registre (dénominateur des parts).
-- column n_ptsm_approved: PTSM dont l'arrêté est daté de ce jour ou avant.
-- column n_ctsm_signed: PTSM dont le CTSM est signé à cette date (date de signature de ce jour ou avant).
-- column share_approved: Part des PTSM du registre arrêtés = n_ptsm_approved / n_ptsm.
-- column share_ctsm_signed: Part des PTSM du registre dont le CTSM est signé = n_ctsm_signed / n_ptsm.
with milestones as (
    select ptsm_id, date_arrete_ptsm, date_signature_ctsm, file_date
    from staging.milestones
),

registry as (
    select count(*) as n_ptsm
    from ref_ptsm_registry
),

bounds as (
    select min(date_arrete_ptsm) as first_date, max(file_date) as last_date
    from milestones
),

month_ends as (
    select last_day(month_start::date) as snapshot_date
    from bounds
    cross join range(date_trunc('month', bounds.first_date), bounds.last_date + interval 1 day, interval 1 month)
        as m (month_start)
    where bounds.first_date is not null
),

counts as (
    select
        month_ends.snapshot_date,
        count(*) filter (where milestones.date_arrete_ptsm <= month_ends.snapshot_date) as n_ptsm_approved,
        count(*) filter (where milestones.date_signature_ctsm <= month_ends.snapshot_date) as n_ctsm_signed
    from month_ends
    cross join milestones
    group by month_ends.snapshot_date
)

select
    counts.snapshot_date,
    registry.n_ptsm::bigint as n_ptsm,
    counts.n_ptsm_approved::bigint as n_ptsm_approved,
    counts.n_ctsm_signed::bigint as n_ctsm_signed,
    (counts.n_ptsm_approved / registry.n_ptsm)::double as share_approved,
    (counts.n_ctsm_signed / registry.n_ptsm)::double as share_ctsm_signed
from counts
cross join registry
order by counts.snapshot_date
