"""The schedule's 31-day limit is counted in elapsed time, across the clock changes.

Worked by hand (Europe/London, 2026): the clocks go forward on Sunday 29 March at 01:00 GMT and back on Sunday
25 October at 01:00 GMT, so 31 days (744 hours) from a local midnight end an hour later on the clock across March's
change and an hour earlier across October's:

- from 2026-03-15 00:00 GMT (00:00Z): 744 h later is 2026-04-15 00:00Z = 01:00 BST. So 00:30 BST (30 d 23.5 h) and
  01:00 BST (31 d exactly) are accepted, 01:01 BST is refused — although 00:30 is 31 d 0.5 h on the wall clock.
- from 2026-10-10 00:00 BST (2026-10-09 23:00Z): 744 h later is 2026-11-09 23:00Z = 23:00 GMT. So 23:00 GMT (31 d)
  is accepted, 23:01 and 2026-11-10 00:00 GMT (31 d 1 h) are refused — although 00:00 is 31 d on the wall clock.
"""

from __future__ import annotations

import pytest

RESIDENT_BAY = "/v1/bays/camden/46047061/schedule"


@pytest.mark.parametrize(
    ("start", "end", "last_end"),
    [
        ("2026-03-15T00:00", "2026-04-15T00:30", "2026-04-15T00:30:00+01:00"),  # 30 d 23.5 h
        ("2026-03-15T00:00", "2026-04-15T01:00", "2026-04-15T01:00:00+01:00"),  # 31 d
        ("2026-10-10T00:00", "2026-11-09T23:00", "2026-11-09T23:00:00+00:00"),  # 31 d
        ("2026-03-15T00:00Z", "2026-04-15T00:00Z", "2026-04-15T01:00:00+01:00"),  # 31 d, written in UTC
    ],
)
def test_up_to_31_days_of_elapsed_time_is_accepted(api, start, end, last_end):
    response = api.get(RESIDENT_BAY, query_string={"from": start, "to": end})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["intervals"][-1]["end"] == last_end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-15T00:00", "2026-04-15T01:01"),  # 31 d 1 min
        ("2026-10-10T00:00", "2026-11-09T23:01"),  # 31 d 1 min
        ("2026-10-10T00:00", "2026-11-10T00:00"),  # 31 d 1 h
    ],
)
def test_more_than_31_days_of_elapsed_time_is_refused(api, start, end):
    response = api.get(RESIDENT_BAY, query_string={"from": start, "to": end})
    assert response.status_code == 400
    problem = response.get_json()
    assert [p["name"] for p in problem["invalid_params"]] == ["to"]
    assert "31 days" in problem["invalid_params"][0]["reason"]
