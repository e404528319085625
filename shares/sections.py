"""The ``distributionChannels`` section of the project detail (one query)."""

from .api.serializers import DistributionChannelSerializer
from .services import channels_of


def channels_section(project, request) -> list[dict]:
    return DistributionChannelSerializer(channels_of(project), many=True).data
