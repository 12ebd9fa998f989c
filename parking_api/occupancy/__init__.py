"""Live availability, the domain part (no SQL, no HTTP): what an occupancy event is and when a posted one is
refused (:mod:`.events`), how a bay's current occupancy becomes what a driver is told (:mod:`.availability`), and
how number plates are kept out of storage (:mod:`.plates`)."""
