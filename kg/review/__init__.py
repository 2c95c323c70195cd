"""``kg review``: review a draft of ``kg annotate`` in the browser and write the reviewed annotation file.

:mod:`kg.review.decisions` applies accept / reject / edit decisions and checks the result (no HTTP);
:mod:`kg.review.app` is the small local web app over it; :mod:`kg.review.command` the command line.
It edits one YAML file and nothing else: it never opens the store and shares nothing with ``kg serve``.
"""
