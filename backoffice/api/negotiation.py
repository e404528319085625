"""Content negotiation that answers an unknown ``?format=`` with a 400 naming it."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class StrictFormatNegotiation(DefaultContentNegotiation):
    """DRF answers ``?format=xml`` with a bare 404 "Not found.", as if the path were wrong;
    the schema declares ``format`` as an enum, so a value outside it is a 400 that lists the
    allowed ones (as every refused choice does)."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            allowed = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            raise ValidationError(
                {"format": [f'"{format}" is not a valid choice: one of {allowed}.']}
            )
        return matching
