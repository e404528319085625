"""What ``OPTIONS`` answers on the API."""

from rest_framework.metadata import SimpleMetadata


class ApiMetadata(SimpleMetadata):
    """DRF's metadata without its ``actions`` part: to describe a PUT or POST form, DRF looks
    the object up (``get_object``) as if the request were that write, which fails with a 500
    on views whose object is not found by a ``pk`` (a singleton such as an organization's
    branding) and would reveal fields to callers who may not write. The OpenAPI schema at
    ``/api/schema`` describes every operation."""

    def determine_actions(self, request, view) -> dict:
        return {}
