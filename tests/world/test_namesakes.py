"""A made-up father or son must not duplicate a namesake who already files at that home."""

from __future__ import annotations

import duckdb

from taxgate.world.request_confusers import find_namesakes


def test_filers_sharing_a_home_and_a_name_are_namesakes() -> None:
    con = duckdb.connect()
    con.execute(
        """CREATE TEMP VIEW tp AS SELECT * FROM (VALUES
               ('000000001', 'Glenn', 'Keller'), ('000000002', 'GLENN', 'Keller'),
               ('000000003', 'José', 'Ruiz'), ('000000004', 'Jose', 'Ruiz'),
               ('000000005', 'Ana', 'Lee'), ('000000006', 'Ana', 'Lee'),
               ('000000007', 'Mark', 'Stone'), ('000000008', 'Mary', 'Stone')
           ) AS t(tin, given_name, surname)"""
    )
    con.execute(
        """CREATE TEMP VIEW ad AS SELECT * FROM (VALUES
               ('000000001', '44 Cypress Blvd', '85706'), ('000000002', '44 CYPRESS BLVD', '85706'),
               ('000000003', '9 Elm St', '10001'), ('000000004', '9 Elm St', '10001'),
               ('000000005', '1 Oak Ave', '20001'), ('000000006', '2 Oak Ave', '20001'),
               ('000000007', '5 Pine Rd', '30001'), ('000000008', '5 Pine Rd', '30001')
           ) AS a(tin, street, zip)"""
    )
    find_namesakes(con)
    found = {row[0] for row in con.execute("SELECT tin FROM namesakes").fetchall()}
    # Same home and name (case and accents aside); other homes or other names are not.
    assert found == {"000000001", "000000002", "000000003", "000000004"}
