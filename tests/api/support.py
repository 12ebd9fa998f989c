"""What the API tests name on the bundled Camden data: the spots they ask about, and money as the API writes it.

Each spot is a point read off ``loaders/data/camden/`` (bays) or ``camden_cpz.geojson`` (zones); what the bays there
say is written out in ``test_can_i_park_camden.py``'s docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Spot:
    """A point a driver asks about."""

    lat: float
    lon: float

    def query(self, **params: Any) -> dict[str, Any]:
        """The query string of a request made standing here."""
        return {"lat": self.lat, "lon": self.lon, **params}


ELIZABETH_MEWS = Spot(51.54637465, -0.16208376)  # the middle of bay 46047061's kerb line (resident bay, CA-B)
BEDFORD_ROW = Spot(51.51911819230162, -0.114817817449271)  # a vertex of bay 46042958 (paid bay, CA-D)
BIDBOROUGH_STREET = Spot(51.528891774874864, -0.12500558415392)  # a vertex of bay 46043252 (resident bay, CA-D)
ROYAL_COLLEGE_STREET = Spot(51.536533, -0.134474)  # the point of bays 46126601 (resident) and 46126603 (paid)
GRAFTON_WAY = Spot(51.523897, -0.137055)  # the point of bays 46129384 (taxi rank) and 46129385 (paid)
CA_F_NORTH = Spot(51.5420945, -0.14230484)  # inside CA-F(n), 60 m from the nearest bay
CA_F_SOUTH = Spot(51.535487, -0.13984612)  # inside CA-F(s), 118 m from the nearest bay
NOWHERE = Spot(0, 0)  # far from any data


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}
