"""French action templates of the synthetic sample, written from the report's vocabulary (ch. 2, 3, 4, 7, 8).

Each template: title, decree priorities, publics, themes, sectors (canonical codes of docs/contract.md §3). The general
templates never name a vulnerable public ("angle mort"); those only appear through BLIND_SPOT_TEMPLATES, so the
generator controls how many PTSM cover them. The titles are plausible, not taken from any real plan.
"""

from __future__ import annotations

from typing import NamedTuple


class Template(NamedTuple):
    title: str
    priorities: tuple[int, ...]
    publics: tuple[str, ...]
    themes: tuple[str, ...]
    sectors: tuple[str, ...]


T = Template
GENERAL_TEMPLATES: tuple[Template, ...] = (
    # priority 1: early detection, diagnosis, access to care
    T("Déployer les formations Premiers secours en santé mentale (PSSM) auprès des acteurs du territoire",
      (1, 5), ("population_generale", "professionnels"), ("formation", "destigmatisation"),
      ("sanitaire", "social", "collectivites", "usagers")),
    T("Former des sentinelles au repérage de la crise suicidaire", (1, 4),
      ("population_generale", "professionnels"), ("prevention_suicide", "formation"),
      ("sanitaire", "social", "education_nationale")),
    T("Réduire les délais d'accès aux CMP par un accueil infirmier de première intention", (1,),
      ("population_generale",), (), ("sanitaire",)),
    T("Créer une plateforme territoriale d'orientation en santé mentale", (1, 2),
      ("population_generale", "professionnels"), (), ("sanitaire", "medico_social", "social")),
    T("Développer les soins partagés entre psychiatrie et médecine générale", (1, 3),
      ("population_generale", "professionnels"), ("premier_recours",), ("sanitaire", "autre")),
    T("Mettre en place un annuaire territorial des ressources en santé mentale", (1, 5),
      ("professionnels", "population_generale"), (), ("sanitaire", "medico_social", "social", "collectivites")),
    T("Renforcer le repérage précoce des troubles psychiques chez les jeunes avec la Maison des adolescents", (1,),
      ("adolescents_jeunes",), ("transition_ado_adulte",), ("sanitaire", "social", "education_nationale")),
    T("Créer une équipe mobile de pédopsychiatrie pour adolescents", (1, 4),
      ("adolescents_jeunes", "enfants"), ("pedopsychiatrie_liaison",),
      ("sanitaire", "education_nationale", "medico_social")),
    T("Développer la pédopsychiatrie de liaison en pédiatrie et aux urgences", (1, 4),
      ("enfants", "adolescents_jeunes"), ("pedopsychiatrie_liaison", "urgence_crise"), ("sanitaire",)),
    T("Renforcer l'articulation entre santé scolaire et pédopsychiatrie", (1,),
      ("enfants", "adolescents_jeunes", "professionnels"), ("pedopsychiatrie_liaison",),
      ("sanitaire", "education_nationale")),
    T("Former les professionnels du premier recours au repérage de la souffrance psychique", (1,),
      ("professionnels",), ("formation", "premier_recours"), ("sanitaire", "autre")),
    T("Articuler le dispositif Mon soutien psy avec les CMP et les CPTS", (1,), ("population_generale",),
      ("premier_recours",), ("sanitaire", "autre")),
    T("Ouvrir une consultation avancée de psychiatrie dans les maisons de santé pluriprofessionnelles", (1, 3),
      ("population_generale",), ("premier_recours",), ("sanitaire", "collectivites")),
    T("Développer la télé-expertise psychiatrique pour les médecins généralistes", (1,), ("professionnels",),
      ("premier_recours",), ("sanitaire",)),
    T("Créer un centre d'enseignement en santé mentale ouvert aux professionnels et au grand public", (1, 5),
      ("professionnels", "population_generale"), ("formation",), ("sanitaire", "medico_social", "social")),
    T("Renforcer l'offre de consultations pour les étudiants en souffrance psychique", (1,),
      ("adolescents_jeunes",), (), ("sanitaire", "education_nationale")),
    # priority 2: pathways without disruption, severe disorders, recovery, inclusion
    T("Créer un centre de proximité en réhabilitation psychosociale", (2,), ("troubles_severes",),
      ("rehabilitation_psychosociale",), ("sanitaire", "medico_social", "usagers")),
    T("Développer la pair-aidance professionnelle dans les services de psychiatrie", (2, 5),
      ("troubles_severes", "professionnels"), ("pair_aidance",), ("sanitaire", "usagers")),
    T("Soutenir la création d'un groupe d'entraide mutuelle (GEM) en zone rurale", (2, 5),
      ("troubles_severes",), ("pair_aidance",), ("usagers", "medico_social", "collectivites")),
    T("Développer l'habitat inclusif pour les personnes en situation de handicap psychique", (2, 6),
      ("troubles_severes",), ("logement",), ("medico_social", "social", "emploi_logement", "collectivites")),
    T("Déployer l'emploi accompagné (IPS) pour les personnes vivant avec un trouble psychique", (2, 6),
      ("troubles_severes",), ("emploi",), ("medico_social", "emploi_logement", "sanitaire")),
    T("Installer une commission territoriale des situations complexes", (2,),
      ("troubles_severes", "professionnels"), (), ("sanitaire", "medico_social", "social")),
    T("Structurer le parcours de transition entre psychiatrie infanto-juvénile et psychiatrie adulte", (2,),
      ("adolescents_jeunes",), ("transition_ado_adulte",), ("sanitaire", "medico_social")),
    T("Déployer la psychoéducation des familles (Profamille, BREF)", (2, 5), ("proches_aidants",), (),
      ("sanitaire", "usagers")),
    T("Créer un dispositif de soutien et de répit pour les proches aidants", (2,), ("proches_aidants",),
      ("pair_aidance",), ("usagers", "sanitaire", "medico_social")),
    T("Renforcer les SAMSAH et SAVS à orientation handicap psychique", (2,), ("troubles_severes",), (),
      ("medico_social",)),
    T("Développer la coordination de parcours (case management) pour les situations complexes", (2,),
      ("troubles_severes",), (), ("sanitaire", "medico_social", "social")),
    T("Mettre en place des formations croisées sanitaire, social et médico-social", (2,), ("professionnels",),
      ("formation",), ("sanitaire", "medico_social", "social")),
    T("Développer les programmes d'éducation thérapeutique pour les troubles bipolaires et la schizophrénie",
      (2, 5), ("troubles_severes",), ("rehabilitation_psychosociale",), ("sanitaire", "usagers")),
    # priority 3: somatic care
    T("Améliorer l'accès aux soins somatiques des personnes suivies en psychiatrie", (3,), ("troubles_severes",),
      ("premier_recours",), ("sanitaire", "autre")),
    T("Organiser des consultations somatiques dédiées au sein des établissements psychiatriques", (3,),
      ("troubles_severes",), (), ("sanitaire",)),
    T("Faciliter l'accès aux soins bucco-dentaires et aux dépistages des cancers", (3,), ("troubles_severes",), (),
      ("sanitaire", "medico_social")),
    T("Mettre en place un bilan somatique annuel avec les médecins traitants et les CPTS", (3, 1),
      ("troubles_severes",), ("premier_recours",), ("sanitaire", "autre")),
    # priority 4: crisis and emergency
    T("Créer une équipe mobile d'intervention de crise", (4,), ("population_generale", "troubles_severes"),
      ("urgence_crise",), ("sanitaire",)),
    T("Réorganiser l'accueil des urgences psychiatriques (centre d'accueil et de crise)", (4,),
      ("population_generale",), ("urgence_crise",), ("sanitaire",)),
    T("Coordonner la prévention du suicide et la postvention sur le territoire", (4, 1), ("population_generale",),
      ("prevention_suicide",), ("sanitaire", "education_nationale", "collectivites")),
    T("Déployer VigilanS et le 3114 en lien avec les acteurs locaux", (4,), ("population_generale",),
      ("prevention_suicide", "urgence_crise"), ("sanitaire",)),
    T("Améliorer la coordination avec les forces de l'ordre et le SDIS dans les situations de crise", (4,),
      ("population_generale",), ("urgence_crise",), ("sanitaire", "collectivites", "autre")),
    T("Élaborer un plan de crise conjoint et des directives anticipées en psychiatrie", (4, 5),
      ("troubles_severes",), ("urgence_crise",), ("sanitaire", "usagers")),
    # priority 5: rights, empowerment, stigma
    T("Organiser les Semaines d'information sur la santé mentale (SISM) sur tout le territoire", (5,),
      ("population_generale",), ("destigmatisation",), ("collectivites", "usagers", "sanitaire", "social")),
    T("Mener une campagne de lutte contre la stigmatisation des troubles psychiques", (5,),
      ("population_generale",), ("destigmatisation",), ("usagers", "collectivites")),
    T("Former les élus et agents territoriaux à la santé mentale (binôme pair-aidante et cadre de santé)", (5,),
      ("professionnels",), ("formation", "destigmatisation", "pair_aidance"),
      ("collectivites", "usagers", "sanitaire")),
    T("Créer un conseil local de santé mentale (CLSM) dans chaque intercommunalité", (5, 6),
      ("population_generale",), (), ("collectivites", "sanitaire", "social")),
    T("Renforcer la participation des personnes concernées aux instances du PTSM", (5,),
      ("troubles_severes", "proches_aidants"), ("pair_aidance",), ("usagers",)),
    T("Recruter des médiateurs de santé-pairs dans les équipes", (5, 2), ("troubles_severes",),
      ("pair_aidance",), ("sanitaire", "usagers")),
    T("Informer les usagers et leurs proches sur leurs droits (maison des usagers)", (5,),
      ("troubles_severes", "proches_aidants"), (), ("usagers", "sanitaire")),
    T("Organiser une journée annuelle du PTSM ouverte à tous les acteurs", (5,), ("professionnels",),
      ("formation",), ("sanitaire", "medico_social", "social", "usagers", "collectivites")),
    # priority 6: social, environmental and territorial determinants
    T("Favoriser l'accès et le maintien dans le logement des personnes vivant avec un trouble psychique", (6, 2),
      ("troubles_severes",), ("logement",), ("social", "emploi_logement", "sanitaire", "collectivites")),
    T("Développer les compétences psychosociales des enfants en milieu scolaire", (6, 1), ("enfants",), (),
      ("education_nationale", "collectivites", "sanitaire")),
    T("Lutter contre l'isolement social par l'aller-vers en zone rurale", (6,), ("population_generale",), (),
      ("social", "collectivites")),
    T("Promouvoir la santé mentale au travail et le maintien dans l'emploi", (6,),
      ("population_generale", "professionnels"), ("emploi",), ("emploi_logement", "autre")),
    T("Intégrer un volet santé mentale dans les contrats locaux de santé", (6,), ("population_generale",), (),
      ("collectivites",)),
    T("Renforcer l'attractivité des métiers de la santé mentale (accueil et formation des nouveaux professionnels)",
      (6, 2), ("professionnels",), ("formation",), ("sanitaire", "medico_social")),
    T("Soutenir la parentalité des parents vivant avec un trouble psychique", (6, 2),
      ("proches_aidants", "enfants"), (), ("sanitaire", "social", "medico_social")),
)

BLIND_SPOT_TEMPLATES: dict[str, tuple[Template, ...]] = {
    "perinatalite": (
        T("Former les professionnels de PMI au repérage de la dépression périnatale", (1,),
          ("perinatalite", "professionnels"), ("formation",), ("sanitaire", "social", "collectivites")),
        T("Créer une équipe mobile de psychiatrie périnatale parents-bébé", (1, 2), ("perinatalite",),
          ("pedopsychiatrie_liaison",), ("sanitaire", "medico_social")),
        T("Structurer le parcours des 1000 premiers jours en santé mentale", (1, 6), ("perinatalite", "enfants"),
          (), ("sanitaire", "social", "collectivites")),
    ),
    "personnes_agees": (
        T("Créer une équipe mobile de psychiatrie du sujet âgé intervenant en EHPAD", (1, 2), ("personnes_agees",),
          (), ("sanitaire", "medico_social")),
        T("Prévenir le suicide des personnes âgées isolées par l'aller-vers", (4, 6), ("personnes_agees",),
          ("prevention_suicide",), ("social", "collectivites", "sanitaire")),
    ),
    "precarite": (
        T("Renforcer l'équipe mobile psychiatrie précarité (EMPP)", (1, 6), ("precarite",), (),
          ("sanitaire", "social")),
        T("Déployer le programme Un chez-soi d'abord", (6, 2), ("precarite", "troubles_severes"), ("logement",),
          ("social", "emploi_logement", "sanitaire")),
        T("Former les travailleurs sociaux des CCAS et accueils de jour au repérage de la souffrance psychique",
          (1, 6), ("precarite", "professionnels"), ("formation",), ("social", "collectivites")),
    ),
    "migrants": (
        T("Accompagner la santé mentale des personnes exilées (consultations transculturelles, interprétariat)",
          (1, 6), ("migrants",), (), ("sanitaire", "social")),
        T("Créer un dispositif d'évaluation et d'orientation des personnes migrantes en souffrance psychique",
          (1,), ("migrants",), (), ("sanitaire", "social", "medico_social")),
    ),
    "justice": (
        T("Assurer la continuité des soins psychiatriques à la sortie de détention", (2,), ("justice",), (),
          ("sanitaire", "justice", "social")),
        T("Renforcer la prise en charge psychiatrique des personnes détenues (USMP, SMPR)", (1, 3), ("justice",),
          (), ("sanitaire", "justice")),
    ),
    "enfance_protegee": (
        T("Créer une équipe mobile pédopsychiatrie et protection de l'enfance pour les enfants confiés", (1, 2),
          ("enfance_protegee", "enfants"), ("pedopsychiatrie_liaison",), ("sanitaire", "social", "medico_social")),
        T("Organiser des consultations dédiées aux enfants protégés et aux jeunes suivis par la PJJ", (1,),
          ("enfance_protegee", "adolescents_jeunes"), (), ("sanitaire", "social", "justice")),
    ),
    "addictions": (
        T("Structurer les liens entre psychiatrie et addictologie (CSAPA, ELSA)", (1, 2), ("addictions",), (),
          ("sanitaire", "medico_social")),
        T("Prévenir les conduites addictives des jeunes (consultations jeunes consommateurs)", (1,),
          ("addictions", "adolescents_jeunes"), (), ("medico_social", "education_nationale")),
    ),
    "tnd": (
        T("Structurer le repérage précoce des troubles du neurodéveloppement avec la plateforme PCO", (1,),
          ("tnd", "enfants"), (), ("sanitaire", "medico_social")),
        T("Fluidifier le diagnostic et l'accompagnement des adultes autistes", (2,), ("tnd",), (),
          ("sanitaire", "medico_social")),
    ),
}

# The one funded formation action of PTSM-55 (report ch. 8.1)
MEUSE_FORMATION_TEMPLATE = T(
    "Diffuser les formations PSSM et Sentinelles par des groupes croisés inter-institutionnels", (1, 5),
    ("professionnels", "population_generale"), ("formation", "prevention_suicide"),
    ("sanitaire", "medico_social", "social"),
)

# Qualifiers that make titles distinct when a template is used twice in one plan
QUALIFIERS = (
    "sur le territoire Nord", "sur le territoire Sud", "en zone rurale", "dans les quartiers prioritaires",
    "sur le bassin Est", "sur le bassin Ouest", "– phase 2", "– extension départementale", "– volet enfants",
    "– volet adultes", "en lien avec les CLSM", "en lien avec les CPTS",
)

# Structures that plausibly carry a coordinator post (extra roster column, not personal data)
STRUCTURES = {
    "Établissement sanitaire": ("Centre hospitalier spécialisé", "EPSM", "Centre hospitalier", "GHT santé mentale"),
    "Association": ("Association gestionnaire", "CODES", "IREPS", "UDAF", "Association de préfiguration du PTSM"),
    "Établissement médico-social": ("Établissement médico-social", "ESMS handicap psychique"),
    "DAC": ("Dispositif d'appui à la coordination",),
    "ARS": ("Délégation départementale de l'ARS",),
    "Cabinet de conseil": ("Cabinet de conseil (marché public)",),
    "Autre": ("GCSMS", "GCS"),
}

FIRST_NAMES = (
    "Camille", "Dominique", "Claude", "Alex", "Sacha", "Charlie", "Morgan", "Maxime", "Lou", "Andrea", "Noa",
    "Eden", "Yael", "Stéphane", "Frédérique", "Gaël", "Ange", "Loïc", "Maël", "Jordan",
)
