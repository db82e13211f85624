"""Search engine of vsmock: plain, HTTP- and storage-agnostic modules.

* :mod:`.index` -- ``SearchIndex`` / ``Hit``: exact TF-IDF + cosine over the chunks of one
  vector store, updated incrementally (segments, tombstones, lazy norms);
* :mod:`.ranking` -- the rankers (``none``, ``auto``, ``default-2024-11-15``);
* :mod:`.filters` -- validation and matching of attribute filters;
* :mod:`.rewrite` -- ``rewrite_query``;
* :mod:`.relevance` -- precision@1 / MRR on a labelled set (``fixtures/relevance``);
* :mod:`.analysis`, :mod:`.vocabulary`, :mod:`.segment`, :mod:`.arrays` -- building blocks.

Nothing is imported here, so importing e.g. ``vsmock.search.filters`` stays cheap.
"""
