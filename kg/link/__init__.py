"""Links to Wikidata (docs/linking.md), one module per job:

- :mod:`kg.link.mappings` compiles the verified SSSOM table (``kg/links/*.sssom.tsv``) to RDF at build time;
- :mod:`kg.link.entities` reads the entities to reconcile, and what the graph says about them, from the store;
- :mod:`kg.link.wikidata` asks a Wikidata endpoint for candidates and scores them;
- :mod:`kg.link.decisions` turns the ranked candidates into a decision;
- :mod:`kg.link.proposals` writes the review file (SSSOM), moves its accepted rows into the verified table, and
  reports each entity's link status (``kg link --status``).

``kg link`` proposes; a curator reviews; ``kg link --accept`` and the next ``kg build`` make the links.
"""
