"""What the shipped sources say that several test modules check: one list, kept in step with kg/sources/."""

# DISTINCT: a person named by several sources is declared in each source's named graph, and pyoxigraph 0.5's union
# default graph matches a triple once per named graph that holds it (oxigraph issue #1919), so without it Biden's
# row would come back once per pair of graphs; the shipped competency queries use SELECT DISTINCT for the same reason.
SELECT_PERSONS = """
PREFIX kg: <https://w3id.org/akg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?label WHERE { ?p a kg:Person ; rdfs:label ?label } ORDER BY ?label
"""
# Every person of the sources, by label; persons only the White House texts name are marked with their files.
PERSONS = [
    "Donald Trump",
    "Ferdinand Marcos, Jr.",  # 006
    "Ishiba Shigeru",
    "J.D. Vance",
    "Jake Sullivan",  # 001, 003
    "Joseph R. Biden, Jr.",  # 002-006
    "Kishida Fumio",  # 001-005
    "Kobayashi Takayuki",
    "Nagashima Akihisa",
    "Nakatani Gen",
    "Satake Tomohiko",
    "Yoon Suk Yeol",  # 002, 004
]
