"""The ``distributionChannels`` and ``publicVideoShares`` sections of the project detail
(one query each)."""

from .api.serializers import DistributionChannelSerializer, PublicVideoShareSerializer
from .services import channels_of, shares_of


def channels_section(project, request) -> list[dict]:
    return DistributionChannelSerializer(channels_of(project), many=True).data


def shares_section(project, request) -> list[dict]:
    return PublicVideoShareSerializer(shares_of(project), many=True).data
