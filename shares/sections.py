"""The ``distributionChannels`` and ``publicVideoShares`` sections of the project detail
(one query each)."""

from projects.api.scoped import guest_context

from .api.serializers import DistributionChannelSerializer, PublicVideoShareSerializer
from .services import channels_of, shares_of


def channels_section(project, request) -> list[dict]:
    context = guest_context(request, project)
    return DistributionChannelSerializer(channels_of(project), many=True, context=context).data


def shares_section(project, request) -> list[dict]:
    context = guest_context(request, project)
    return PublicVideoShareSerializer(shares_of(project), many=True, context=context).data
