-- mart: Financements des actions en cours de chaque PTSM et part des cofinancements hors ARS.
-- grain: une ligne par PTSM du registre.
-- column ptsm_id: Identifiant du PTSM (registre).
-- column region_code: Code INSEE de la région du PTSM.
-- column total_eur: Total des lignes de financement des actions en cours, toutes années (euros) ; vide sans classeur.
-- column ars_eur: Dont financements du groupe ARS (FIR, DAF, autres crédits ARS, appels à projets nationaux).
-- column non_ars_eur: Dont financements hors groupe ARS.
-- column cofunding_share: Part des financements hors ARS = non_ars_eur / total_eur ; vide si le total est nul ou inconnu.
-- column n_funded_actions: Actions en cours ayant au moins une ligne de financement.
-- column n_cofunded_actions: Actions en cours financées par au moins deux financeurs dont un hors groupe ARS.
-- column n_tripartite_actions: Actions en cours associant sanitaire, médico-social et social.
-- column n_current_actions: Actions en cours (dernier classeur, hors abandonnées).
with per_ptsm as (
    select
        ptsm_id,
        sum(total_eur) as total_eur,
        sum(ars_eur) as ars_eur,
        count(*) filter (where n_funders >= 1) as n_funded_actions,
        count(*) filter (where cofunded) as n_cofunded_actions,
        count(*) filter (where tripartite) as n_tripartite_actions,
        count(*) as n_current_actions
    from marts.ptsm_actions
    group by ptsm_id
),

known as (
    select
        workbooks.ptsm_id,
        round(coalesce(per_ptsm.total_eur, 0), 2) as total_eur,
        round(coalesce(per_ptsm.ars_eur, 0), 2) as ars_eur,
        coalesce(per_ptsm.n_funded_actions, 0) as n_funded_actions,
        coalesce(per_ptsm.n_cofunded_actions, 0) as n_cofunded_actions,
        coalesce(per_ptsm.n_tripartite_actions, 0) as n_tripartite_actions,
        coalesce(per_ptsm.n_current_actions, 0) as n_current_actions
    from staging.current_workbooks as workbooks
    left join per_ptsm
        on workbooks.ptsm_id = per_ptsm.ptsm_id
)

select
    registry.ptsm_id,
    registry.region_code,
    known.total_eur::double as total_eur,
    known.ars_eur::double as ars_eur,
    round(known.total_eur - known.ars_eur, 2)::double as non_ars_eur,
    case when known.total_eur > 0 then (known.total_eur - known.ars_eur) / known.total_eur end::double as cofunding_share,
    known.n_funded_actions::bigint as n_funded_actions,
    known.n_cofunded_actions::bigint as n_cofunded_actions,
    known.n_tripartite_actions::bigint as n_tripartite_actions,
    known.n_current_actions::bigint as n_current_actions
from ref_ptsm_registry as registry
left join known
    on registry.ptsm_id = known.ptsm_id
order by registry.ptsm_id
