"""Each competency question's shipped query, run through the real endpoint, against what the article says.

Expected answers are written from the texts in kg/sources/: the seed article (000_0e8f8a54f5669a8b.txt) and the
White House texts added after it (004_… to 006_…), each row that a White House text adds marked with its file.
Entities are named by the last segment of their IRI, so the answers do not depend on the base IRI.
"""

from __future__ import annotations

import hashlib
import re

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.annotations import SOURCES_DIR
from kg.build import BuildResult
from kg.queries import all_queries, load
from kg.store import OxigraphStore
from kg.validate import ONTOLOGY_FILE

ADVISER = "Special Adviser to the Prime Minister (Japan)"
DEFENSE = "Minister of Defense (Japan)"
PROFESSOR = "Associate Professor, School of Politics, Economics and Communication, Aoyama Gakuin University"
SEED = "000_0e8f8a54f5669a8b.txt"
KISHIDA_STATEMENT = "004_whitehouse-2024-08-14-biden-on-kishida.txt"
BIDEN = "Joseph R. Biden, Jr."
ISHIBA = "Ishiba Shigeru"
MARCOS = "Ferdinand Marcos, Jr."
# 005: the paraphrases of the readout of Biden's call with Ishiba, all dated "today" (2024-10-01, inferred)
ISHIBA_CALL_PARAPHRASES = [
    "biden-alliance-cornerstone",
    "biden-deepen-global-partnership",
    "leaders-shared-values-biden",
    "leaders-shared-values-ishiba",
    "leaders-defense-cooperation-biden",
    "leaders-defense-cooperation-ishiba",
    "leaders-regional-cooperation-biden",
    "leaders-regional-cooperation-ishiba",
]
SATAKE_SA = [
    "satake-not-new-concept",
    "satake-security-cooperation",
    "satake-military-ties-stronger",
    "satake-will-we-stop-integration",
    "satake-more-threat-more-integration",
    "satake-easier-said-than-done",
    "satake-easier-said-than-done-quote",
]


def short(binding: dict[str, str] | None) -> str | None:
    """An IRI's last segment, or a literal's lexical form."""
    if binding is None:
        return None
    value = binding["value"]
    if binding["type"] == "uri":
        return value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return value


def run(server_url: str, name: str, *columns: str) -> list[tuple[str | None, ...]]:
    client = SPARQLWrapper(server_url + "sparql")
    client.setQuery(load(name).text)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    return [tuple(short(row.get(c)) for c in columns) for row in result["results"]["bindings"]]


def test_every_shipped_query_has_a_title_and_parses(built: BuildResult) -> None:
    store = OxigraphStore.open(built.store_path)
    for query in all_queries():
        assert query.title, query.name
        store.query(query.text)  # raises SyntaxError if malformed


def test_cq1_strategic_autonomy_speakers_offices_and_dates(server_url: str) -> None:
    rows = run(server_url, "CQ1", "statement", "speakerLabel", "officeLabel", "date", "precision", "dateStatus")
    day, month, inferred = "unitDay", "unitMonth", "InferredDate"
    assert rows == [
        ("nakatani-secure-strategic-autonomy", "Nakatani Gen", DEFENSE, "2025-05-30", day, inferred),
        ("nakatani-healthy-sense-of-caution", "Nakatani Gen", DEFENSE, "2025-05-30", day, inferred),
        ("nakatani-five-encouraging-trends", "Nakatani Gen", DEFENSE, None, None, None),
        ("nagashima-national-autonomy-and-strength", "Nagashima Akihisa", ADVISER, "2025-05", month, inferred),
        ("nagashima-widen-circle-of-allies", "Nagashima Akihisa", ADVISER, None, None, None),
        ("nagashima-unlike-independence", "Nagashima Akihisa", ADVISER, None, None, None),
        ("kobayashi-not-swayed", "Kobayashi Takayuki", None, "2025-05-01", day, inferred),
        ("kobayashi-not-swayed-quote", "Kobayashi Takayuki", None, "2025-05-01", day, inferred),
        ("kobayashi-economic-security", "Kobayashi Takayuki", None, None, None, None),
        *[(slug, "Satake Tomohiko", PROFESSOR, None, None, None) for slug in SATAKE_SA],
    ]


def test_cq2_five_trends_in_the_articles_order(server_url: str) -> None:
    assert run(server_url, "CQ2", "position", "trendLabel") == [
        ("1", "strategic autonomy"),
        ("2", "expanded role for ASEAN in security"),
        ("3", "Japan-U.S. alliance"),
        ("4", "cooperation between Japan, the United States, Australia, and the Philippines"),
        ("5", "cooperation across the Euro-Atlantic and Indo-Pacific regions"),
    ]


def test_cq3_partners_and_who_named_them(server_url: str) -> None:
    assert set(run(server_url, "CQ3", "partnerLabel", "namedBy")) == {
        ("Association of Southeast Asian Nations", "Kobayashi Takayuki"),
        ("Global South", "Kobayashi Takayuki"),
        ("Australia", "Nakatani Gen"),
        ("Australia", "Nagashima Akihisa"),
        ("Australia", "Satake Tomohiko"),
        ("Philippines", "Nakatani Gen"),
        ("South Korea", "Nagashima Akihisa"),
        ("South Korea", "Satake Tomohiko"),
        ("United Kingdom", "Nagashima Akihisa"),
        ("United States", "Nakatani Gen"),
        ("United States", "Nagashima Akihisa"),
        ("United States", "Kobayashi Takayuki"),
        ("United States", "Satake Tomohiko"),
        ("United States", "the article"),
        # 004: Biden names the United States (the alliance) and South Korea (trilateral cooperation)
        ("South Korea", BIDEN),
        ("United States", BIDEN),
        # 005: both leaders name the Quad partners and the two trilateral partners
        ("Australia", BIDEN),
        ("Australia", ISHIBA),
        ("India", BIDEN),
        ("India", ISHIBA),
        ("Philippines", BIDEN),
        ("Philippines", ISHIBA),
        ("South Korea", ISHIBA),
        # 006: the White House's own sentence on the call "to advance our continuing cooperation"
        ("Philippines", "the article"),
    }


def test_cq4_doubts_and_qualifications_of_strategic_autonomy(server_url: str) -> None:
    assert run(server_url, "CQ4", "statement", "kind", "stance", "speakerLabel") == [
        ("nakatani-addressed-asean-on-china", "AuthorialClaim", "Qualifies", None),
        ("satake-not-new-concept", "Paraphrase", "Qualifies", "Satake Tomohiko"),
        ("satake-security-cooperation", "DirectQuotation", "Qualifies", "Satake Tomohiko"),
        ("satake-military-ties-stronger", "Paraphrase", "Qualifies", "Satake Tomohiko"),
        ("satake-will-we-stop-integration", "DirectQuotation", "Doubts", "Satake Tomohiko"),
        ("satake-more-threat-more-integration", "DirectQuotation", "Doubts", "Satake Tomohiko"),
        ("satake-easier-said-than-done", "Paraphrase", "Doubts", "Satake Tomohiko"),
        ("satake-easier-said-than-done-quote", "DirectQuotation", "Doubts", "Satake Tomohiko"),
    ]


def test_cq4_lists_every_statement_class_of_the_ontology() -> None:
    """CQ4 names the statement classes in a VALUES list instead of walking ``?kind rdfs:subClassOf kg:Statement``
    (oxigraph plans the walk badly); the list must stay exactly the ontology's direct subclasses of kg:Statement."""
    ontology = ox.Store()
    ontology.load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
    subclasses = {
        str(solution["kind"])
        for solution in ontology.query(
            "PREFIX kg: <https://w3id.org/akg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?kind WHERE { ?kind rdfs:subClassOf kg:Statement }"
        )
    }
    assert subclasses, "the ontology has no subclass of kg:Statement"
    values = re.search(r"VALUES \?kind \{([^}]*)\}", load("CQ4").text)
    assert values, "CQ4 has no VALUES ?kind list"
    listed = [re.sub(r"^kg:", "https://w3id.org/akg/ontology#", term) for term in values.group(1).split()]
    assert len(listed) == len(set(listed)), listed
    assert {f"<{iri}>" for iri in listed} == subclasses


# The source file of each quotation outside the seed article.
QUOTATION_SOURCES = {"biden-kishida-leadership-historic": KISHIDA_STATEMENT}


def test_cq5_every_quotation_with_offsets_that_select_its_text(server_url: str) -> None:
    rows = run(server_url, "CQ5", "quotation", "speakerLabel", "start", "end", "text", "matches")
    assert len(rows) == 13
    assert [r[1] for r in rows] == [BIDEN, "Nakatani Gen"] + ["Nagashima Akihisa"] * 3 + ["Kobayashi Takayuki"] * 2 + [
        "Satake Tomohiko"
    ] * 6
    for quotation, speaker, start, end, exact, matches in rows:
        source = (SOURCES_DIR / QUOTATION_SOURCES.get(quotation or "", SEED)).read_text(encoding="utf-8")
        assert source[int(start) : int(end)] == exact, speaker
        assert matches == "true"
    assert ("biden-kishida-leadership-historic", BIDEN, "0", "1227") in [r[:4] for r in rows]
    assert ("Satake Tomohiko", "6122", "6143", "easier said than done", "true") in [r[1:] for r in rows]


def test_cq6_timeline_with_precision_and_status(server_url: str) -> None:
    rows = run(server_url, "CQ6", "item", "date", "precision", "status")
    dated_events = {(item, date, precision, status) for item, date, precision, status in rows}
    assert {
        ("nakatani-gen-speech-shangri-la-dialogue", "2025-05-30", "unitDay", "InferredDate"),
        ("nagashima-akihisa-bs-fuji-program", "2025-04-15", "unitDay", "InferredDate"),
        ("kobayashi-takayuki-speech-sasakawa-peace-foundation-usa", "2025-05-01", "unitDay", "InferredDate"),
        ("seiron-issue-2025-05", "2025-05", "unitMonth", "InferredDate"),
        ("nagashima-akihisa-interview-seiron", "2025-05", "unitMonth", "InferredDate"),
        ("diplomat-2025-06-strategic-autonomy", "2025-06", "unitMonth", "FromSourceMetadata"),
        # 004: "nearly three years ago" (year only), and the statement, its event and the source on 2024-08-14
        ("kishida-fumio-assumes-office", "2021", "unitYear", "InferredDate"),
        ("biden-kishida-leadership-historic", "2024-08-14", "unitDay", "FromSourceMetadata"),
        ("whitehouse-2024-08-14-biden-statement-on-kishida", "2024-08-14", "unitDay", "FromSourceMetadata"),
        ("whitehouse-2024-08-14-biden-on-kishida", "2024-08-14", "unitDay", "FromSourceMetadata"),
        # 005: the call and its paraphrases "today", the source by its metadata
        ("biden-ishiba-call-2024-10-01", "2024-10-01", "unitDay", "InferredDate"),
        *[(slug, "2024-10-01", "unitDay", "InferredDate") for slug in ISHIBA_CALL_PARAPHRASES],
        ("whitehouse-2024-10-01-biden-ishiba-call", "2024-10-01", "unitDay", "FromSourceMetadata"),
        # 006: the call and its paraphrases "today", the source by its metadata
        ("biden-ishiba-marcos-call-2025-01-12", "2025-01-12", "unitDay", "InferredDate"),
        *[
            (f"leaders-{topic}-{leader}", "2025-01-12", "unitDay", "InferredDate")
            for topic in ("discussed-maritime-security", "free-and-open-indo-pacific")
            for leader in ("biden", "ishiba", "marcos")
        ],
        ("whitehouse-2025-01-12-biden-ishiba-marcos-call", "2025-01-12", "unitDay", "FromSourceMetadata"),
    } <= dated_events
    assert len(rows) == 37
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    # The seed article states no full date; the only date a text states in full is 006's "April 2024".
    assert [r for r in rows if r[3] == "StatedInSource"] == [
        ("japan-philippines-us-trilateral-summit-2024-04", "2024-04", "unitMonth", "StatedInSource")
    ]


def test_cq7_concepts_discussed_with_strategic_autonomy(server_url: str) -> None:
    rows = run(server_url, "CQ7", "concept", "count")
    assert dict(rows) == {
        "military-integration": "4",
        "economic-security": "2",
        "national-security": "2",
        "japan-us-alliance": "1",
        "tariff-policy": "1",
        "nuclear-umbrella": "1",
        "us-led-world-order": "1",
        "active-cyber-defense": "1",
        "counterattack-capabilities": "1",
        "euro-atlantic-indo-pacific-cooperation": "1",
        "japan-us-australia-philippines-cooperation": "1",
        "asean-security-role": "1",
        "five-encouraging-trends": "1",
        "independence-from-the-united-states": "1",
        "non-proliferation": "1",
        "nuclear-disarmament": "1",
    }


def test_cq9_offices_at_statement_time_and_former_offices(server_url: str) -> None:
    rows = set(run(server_url, "CQ9", "personLabel", "officeLabel", "status"))
    assert rows == {
        ("Kobayashi Takayuki", "Minister of Economic Security (Japan)", "FormerHolding"),
        ("Nagashima Akihisa", ADVISER, "CurrentHolding"),
        ("Nakatani Gen", DEFENSE, "CurrentHolding"),
        ("Satake Tomohiko", PROFESSOR, "CurrentHolding"),
        # 005: the readout's paraphrases (Biden's 004 statement names no office in its text)
        (BIDEN, "President (United States)", "CurrentHolding"),
        (ISHIBA, "Prime Minister (Japan)", "CurrentHolding"),
        # 006
        (MARCOS, "President (Philippines)", "CurrentHolding"),
    }
    assert len(run(server_url, "CQ9", "statement")) == 23 + 8 + 6


def test_cq10_statements_made_outside_japan(server_url: str) -> None:
    assert run(server_url, "CQ10", "statement", "placeLabel") == [
        ("nakatani-secure-strategic-autonomy", "Singapore"),
        ("nakatani-healthy-sense-of-caution", "Singapore"),
        ("kobayashi-not-swayed", "Washington"),
        ("kobayashi-not-swayed-quote", "Washington"),
    ]


def test_cq11_the_articles_own_claims_and_questions(server_url: str) -> None:
    rows = run(server_url, "CQ11", "statement", "kind", "start", "end")
    # Ordered by start; statements of different sources may share a start, and their order is not fixed.
    assert [int(r[2]) for r in rows] == sorted(int(r[2]) for r in rows)
    assert sorted(r[1:] for r in rows) == sorted(
        [
            ("AuthorialClaim", "0", "207"),
            ("AuthorialClaim", "1155", "1327"),
            ("AuthorialClaim", "1328", "1584"),
            ("AuthorialClaim", "1585", "1925"),
            ("AuthorialClaim", "1926", "2209"),
            ("AuthorialQuestion", "6146", "6258"),
            ("AuthorialQuestion", "6259", "6382"),
            ("AuthorialQuestion", "6383", "6533"),
            ("AuthorialClaim", "6534", "6586"),
            # 005: the readout's report of the call itself
            ("AuthorialClaim", "0", "141"),
            # 006: the readout's report of the call and of the April 2024 summit
            ("AuthorialClaim", "0", "200"),
            ("AuthorialClaim", "201", "293"),
        ]
    )
    assert ("biden-called-ishiba", "AuthorialClaim", "0", "141") in rows


def test_cq12_medium_or_event_of_each_statement(server_url: str) -> None:
    rows = run(server_url, "CQ12", "event", "eventKind", "basis", "outletLabel")
    counts: dict[tuple[str | None, ...], int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    assert counts == {
        ("nakatani-gen-speech-shangri-la-dialogue", "Speech", "stated", None): 2,
        ("nakatani-gen-speech-shangri-la-dialogue", "Speech", "context", None): 1,
        ("nagashima-akihisa-interview-seiron", "Interview", "stated", "Seiron"): 3,
        ("nagashima-akihisa-bs-fuji-program", "TelevisionAppearance", "stated", "BS Fuji"): 1,
        ("nagashima-akihisa-bs-fuji-program", "TelevisionAppearance", "context", "BS Fuji"): 2,
        ("kobayashi-takayuki-speech-sasakawa-peace-foundation-usa", "Speech", "stated", None): 2,
        ("kobayashi-takayuki-speech-sasakawa-peace-foundation-usa", "Speech", "context", None): 3,
        ("satake-tomohiko-remarks", "Interview", "context", None): 9,
        ("whitehouse-2024-08-14-biden-statement-on-kishida", "Event", "stated", None): 1,
        ("biden-ishiba-call-2024-10-01", "Event", "stated", None): 8,
        ("biden-ishiba-marcos-call-2025-01-12", "Event", "stated", None): 6,
    }


def test_cq14_provenance_chain_of_one_statement(server_url: str) -> None:
    digest = hashlib.sha256((SOURCES_DIR / "000_0e8f8a54f5669a8b.txt").read_bytes()).hexdigest()
    columns = ("statement", "graph", "sourceFile", "sha256", "start", "end", "speakerLabel", "date", "dateStatus")
    assert run(server_url, "CQ14", *columns) == [
        (
            "nakatani-healthy-sense-of-caution",
            "diplomat-2025-06-strategic-autonomy",
            "000_0e8f8a54f5669a8b.txt",
            digest,
            "390",
            "644",
            "Nakatani Gen",
            "2025-05-30",
            "InferredDate",
        )
    ]


@pytest.mark.parametrize("name", ["CQ1", "cq02_five_trends", "cq2"])
def test_queries_load_by_id_or_file_name(name: str) -> None:
    assert load(name).cq_id in {"CQ1", "CQ2"}


WIKIDATA = {
    "Nakatani Gen": "Q5530859",
    "Nagashima Akihisa": "Q4700952",
    "Ishiba Shigeru": "Q1335527",
    "Kobayashi Takayuki": "Q11461955",
    "J.D. Vance": "Q28935729",
    "Donald Trump": "Q22686",
    "Liberal Democratic Party": "Q232595",
    "Association of Southeast Asian Nations": "Q7768",
    "Japan": "Q17",
    "United States": "Q30",
    "China": "Q148",
    "Australia": "Q408",
    "Philippines": "Q928",
    "South Korea": "Q884",
    "United Kingdom": "Q145",
    "Singapore": "Q334",
}


def test_cq8_wikidata_items_only_where_verified_with_their_evidence(server_url: str) -> None:
    rows = run(server_url, "CQ8", "label", "wikidata", "confidence", "evidence")
    linked = {label: qid for label, qid, *_ in rows if qid}
    assert linked == WIKIDATA
    unlinked = {label for label, qid, *_ in rows if not qid}
    assert {"Satake Tomohiko", "Sankei Shimbun", "BS Fuji", "Seiron", "Aoyama Gakuin University"} <= unlinked
    # added by the White House texts, not linked yet
    assert {BIDEN, "Kishida Fumio", "Yoon Suk Yeol", "The White House", "Ukraine", "Russia"} <= unlinked
    assert {"India", "National Diet", "Quad", MARCOS} <= unlinked
    for label, qid, confidence, evidence in rows:
        if qid:
            assert float(confidence) >= 0.9 and evidence.startswith("Evidence:"), label
    assert len(rows) == 37, "every person and organisation (states included), linked or not, once each"
