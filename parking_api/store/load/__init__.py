"""The load machinery, one module per target table: converted records are staged in TEMP tables, checked in PostGIS
and swapped into the live tables inside one transaction (``places``, ``zones``, ``suspensions``; what they share is
in ``table``), with regulations stored once per fingerprint (``regulations``), the feed's ``sources`` row
(``sources``), COPY (``copy``) and the history of runs and their rejects (``runs``).

The orchestration (convert, then stage and swap in one transaction, failures recorded in their own) is the loaders'
runner; nothing here knows a file format.
"""
