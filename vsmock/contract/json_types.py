"""The types of JSON documents, as Python holds them.

Requests, responses, records and scenarios are JSON objects whose shapes the contract
(``openapi.yaml``) defines and checks at run time, in far more detail than a static type
could (patterns, bounds, ``anyOf``). Statically they are :data:`JsonObject`: a dict from
``json.loads``, its values whatever JSON holds. That is the one place vsmock says ``Any``
for data of its own; every other ``Any`` stands for a library's untyped value.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]  # a JSON object; its values: JSON values
