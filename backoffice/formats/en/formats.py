"""English date formats of the admin (``FORMAT_MODULE_PATH``): Django's, with the time zone
named after each time (``T``: "UTC", "CET", or the offset, such as "-03", where the zone has
no abbreviation), since the admin shows times in each viewer's zone
(``backoffice/time_zones.py``)."""

DATETIME_FORMAT = "N j, Y, P T"
#: One format on every page: a short form such as "12/01/2026" reads as 12 January to most
#: of the admin's users, so lists use the long one too.
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
