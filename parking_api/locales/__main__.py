"""``python -m parking_api.locales``: rewrite ``messages.pot`` from the English catalogue."""

from parking_api.locales import TEMPLATE, template

TEMPLATE.write_text(template())
print(f"wrote {TEMPLATE.name}")
