"""Write plain data as block-style YAML text, the way ``yaml.safe_dump`` lays it out.

Public names: ``dump_yaml``.

The ``catalog`` and ``registry`` commands print their answers as YAML, as
Kedro's do; this keeps that output identical whether or not PyYAML is
installed. It covers what those commands print (mappings, lists, strings,
numbers, booleans, ``None``), with PyYAML's defaults: keys sorted, list items
at their parent key's indent, strings quoted only when a plain scalar would
read back as something else.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["dump_yaml"]

# Plain scalars that YAML 1.1 would read as booleans, null or numbers.
_SPECIAL = re.compile(
    r"(yes|no|true|false|on|off|null)\Z|(Yes|No|True|False|On|Off|Null)\Z"
    r"|(YES|NO|TRUE|FALSE|ON|OFF|NULL)\Z|~\Z"
    r"|[-+]?\d[\d_]*\Z|[-+]?(\d[\d_]*)?\.[\d_]*([eE][-+]\d+)?\Z"
    r"|[-+]?\.(inf|nan|Inf|NaN|INF|NAN)\Z|0[xob][\da-fA-F_]+\Z|\d+(:\d+)+\Z"
    r"|\d\d\d\d-\d\d?-\d\d?([Tt ].*)?\Z"
)
_INDICATORS = ",[]{}#&*!|>'\"%@`"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    plain = (
        text
        and text.strip() == text
        and text[0] not in _INDICATORS
        and not (text[0] in "-?:" and (len(text) == 1 or text[1] == " "))
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and "\n" not in text
        and not _SPECIAL.match(text)
    )
    return text if plain else "'" + text.replace("'", "''") + "'"


def _lines(value: Any, indent: str) -> list[str]:
    if isinstance(value, dict):
        if not value:
            return [indent + "{}"]
        out = []
        for key in sorted(value, key=str):
            item = value[key]
            head = f"{indent}{_scalar(key)}:"
            if isinstance(item, dict) and item:
                out += [head, *_lines(item, indent + "  ")]
            elif isinstance(item, list) and item:
                out += [head, *_lines(item, indent)]
            else:
                out.append(f"{head} {_lines(item, '')[0]}")
        return out
    if isinstance(value, (list, tuple)):
        if not value:
            return [indent + "[]"]
        out = []
        for item in value:
            nested = _lines(item, indent + "  ")
            out += [f"{indent}- {nested[0].lstrip()}", *nested[1:]]
        return out
    return [indent + _scalar(value)]


def dump_yaml(value: Any) -> str:
    """``value`` as YAML text ending with a newline (``yaml.safe_dump(value)``'s layout)."""
    return "\n".join(_lines(value, "")) + "\n"
