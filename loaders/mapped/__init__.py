"""Any borough's bay file (GeoJSON, CSV or a JSON array of records) through a declarative TOML mapping.

Entry point: :func:`convert` ``(path, options) -> Converted`` with ``options.mapping`` the TOML file. The mapping says
which column holds what, where the geometry is and in which CRS, and how each of the borough's bay types reads for a
driver (the ``[types]`` table, in our user-class vocabulary). The full key schema is in ``loaders/mappings/README.md``;
:func:`load_mapping` validates a mapping and raises :class:`~loaders.base.UsageError` listing every problem with the
TOML key path it concerns (``types."paid-for".park[1]: unknown user class 'resident'``).

Free-text values are read by ``parking_api.engine.parse`` (times of operation, maximum stay, tariff, permits), which
is strict: a value it cannot read rejects the row (times, maximum stay, permits) or, for a tariff, keeps the bay as
paid without a price (flag ``mapped_tariff_unreadable``) since "pay here" cannot earn a driver a penalty charge.
A sign-text column (``fields.sign_text``) is read by ``signtext.py`` and combined with the columns by ``sign.py``:
the columns win, the words fill in what they leave empty, and unread words about hours or a time limit reject the
row unless ``--lenient``. With sign text the type column is optional: a row without a type is read from its words
alone (who may park, the category).

The rules each row gets from its bay type (and their priorities) are described in ``rules.py``.

Inside: ``mapping.py`` (what a mapping says), ``keys.py`` and ``validate.py`` (reading and checking the TOML, with key
paths), ``records.py`` (the file's records, whatever the format), ``values.py`` (value translations, defaults and
missing markers), ``geometry.py``, ``rules.py``, ``dates.py`` (effective dates) and ``convert.py`` (row by row into
places); ``draft.py`` drafts a mapping from a file (``parking mapping draft``).
"""

from .convert import convert, convert_with
from .validate import load_mapping, parse_mapping

__all__ = ["convert", "convert_with", "load_mapping", "parse_mapping"]
