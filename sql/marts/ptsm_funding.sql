-- mart: Financements des actions en cours par PTSM, financeur et année.
-- grain: une ligne par PTSM, financeur et année de financement.
-- column ptsm_id: Identifiant du PTSM.
-- column region_code: Code INSEE de la région du PTSM.
-- column funder: Code du financeur (vocabulaire du contrat de données, §3).
-- column funder_group: Groupe du financeur : ars (FIR, DAF, autres crédits ARS, appels à projets nationaux) ou autre.
-- column annee: Année du financement (vide si non renseignée).
-- column montant_eur: Montant total (euros).
-- column n_actions: Nombre d'actions financées.
select
    funding.ptsm_id,
    registry.region_code,
    funding.financeur as funder,
    funding.funder_group,
    funding.annee,
    round(sum(funding.montant_eur), 2)::double as montant_eur,
    count(distinct funding.num_action)::bigint as n_actions
from staging.current_funding as funding
inner join ref_ptsm_registry as registry
    on funding.ptsm_id = registry.ptsm_id
group by funding.ptsm_id, registry.region_code, funding.financeur, funding.funder_group, funding.annee
order by funding.ptsm_id, funding.financeur, funding.annee nulls last
