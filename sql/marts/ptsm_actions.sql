-- mart: Actions en cours de chaque PTSM (dernier classeur transmis, hors actions abandonnées), avec leurs financements.
-- grain: une ligne par action en cours.
-- column ptsm_id: Identifiant du PTSM.
-- column region_code: Code INSEE de la région du PTSM.
-- column num_action: Numéro de l'action dans le PTSM.
-- column intitule: Intitulé de l'action.
-- column statut: Statut de l'action (Non démarrée, En cours, Réalisée, Reportée).
-- column implemented: Vrai si l'action est mise en œuvre (En cours ou Réalisée).
-- column priorisee_ctsm: Vrai si l'action est inscrite au contrat territorial de santé mentale (CTSM).
-- column annee_debut: Année de début.
-- column annee_fin: Année de fin.
-- column priorities: Priorités du décret visées, séparées par « ; ».
-- column publics: Publics cibles (codes), séparés par « ; ».
-- column thematiques: Thématiques (codes), séparées par « ; ».
-- column secteurs: Secteurs des pilotes et partenaires (codes), séparés par « ; ».
-- column tripartite: Vrai si les secteurs comprennent le sanitaire, le médico-social et le social.
-- column n_funders: Nombre de financeurs distincts de l'action.
-- column cofunded: Vrai si l'action a au moins deux financeurs dont un hors groupe ARS.
-- column total_eur: Total des financements de l'action, toutes années (euros).
-- column ars_eur: Part ARS (FIR, DAF, autres crédits ARS, appels à projets nationaux) de ce total (euros).
with funding as (
    select
        lines.ptsm_id,
        lines.num_action,
        count(distinct lines.financeur) as n_funders,
        count(distinct lines.financeur) filter (where not groups.ars) as n_non_ars_funders,
        sum(lines.montant_eur) as total_eur,
        coalesce(sum(lines.montant_eur) filter (where groups.ars), 0) as ars_eur
    from staging.current_funding as lines
    -- which funder group is ARS money: the catalogue (ref_funder_groups)
    left join ref_funder_groups as groups
        on lines.funder_group = groups.funder_group
    group by lines.ptsm_id, lines.num_action
)

select
    actions.ptsm_id,
    registry.region_code,
    actions.num_action,
    actions.intitule,
    actions.statut,
    actions.implemented,
    actions.priorisee_ctsm,
    actions.annee_debut,
    actions.annee_fin,
    array_to_string(actions.priorities, ';') as priorities,
    array_to_string(actions.publics, ';') as publics,
    array_to_string(actions.thematiques, ';') as thematiques,
    array_to_string(actions.secteurs, ';') as secteurs,
    actions.tripartite,
    coalesce(funding.n_funders, 0)::bigint as n_funders,
    coalesce(funding.n_funders >= 2 and funding.n_non_ars_funders >= 1, false) as cofunded,
    round(coalesce(funding.total_eur, 0), 2)::double as total_eur,
    round(coalesce(funding.ars_eur, 0), 2)::double as ars_eur
from staging.current_actions as actions
inner join ref_ptsm_registry as registry
    on actions.ptsm_id = registry.ptsm_id
left join funding
    on actions.ptsm_id = funding.ptsm_id
    and actions.num_action = funding.num_action
order by actions.ptsm_id, actions.num_action
