"""``/api/Organizations/{id}/webhooks`` (SPEC §17): endpoints (OrganizationAdmin), their
delivery log and redelivery."""

import json
from functools import cached_property

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backoffice.actors import Actor
from backoffice.api.identity_views import OrganizationScopedViewSet
from backoffice.roles import Perm

from .. import services
from ..models import WebhookDelivery, WebhookEndpoint
from .serializers import (
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
)


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()
    default_perm = Perm.MANAGE_ORGANIZATION

    def scoped_queryset(self):
        return WebhookEndpoint.objects.filter(organization=self.organization).select_related(
            "created_by"
        )

    @extend_schema(
        request=WebhookEndpointCreateSerializer, responses={201: WebhookEndpointCreatedSerializer}
    )
    def create(self, request, **kwargs):
        params = WebhookEndpointCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        created = services.webhook_create(
            actor=Actor.for_request(request),
            organization=self.organization,
            **params.validated_data,
        )
        data = WebhookEndpointCreatedSerializer(created.endpoint).data
        data["secret"] = created.secret
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=WebhookEndpointUpdateSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, pk=None, **kwargs):
        endpoint = self.get_object()
        params = WebhookEndpointUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        endpoint = services.webhook_update(
            actor=Actor.for_request(request), endpoint=endpoint, **params.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None, **kwargs):
        services.webhook_delete(actor=Actor.for_request(request), endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    """The delivery log of one endpoint, newest first."""

    serializer_class = WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()
    default_perm = Perm.MANAGE_ORGANIZATION

    @cached_property
    def endpoint(self) -> WebhookEndpoint:
        return get_object_or_404(
            WebhookEndpoint, organization=self.organization, pk=self.kwargs["webhookId"]
        )

    def scoped_queryset(self):
        return WebhookDelivery.objects.filter(endpoint=self.endpoint).defer("body")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return WebhookDeliveryDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        delivery = get_object_or_404(WebhookDelivery, endpoint=self.endpoint, pk=kwargs["pk"])
        delivery.payload = json.loads(delivery.body)
        return Response(WebhookDeliveryDetailSerializer(delivery).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None, **kwargs):
        delivery = get_object_or_404(
            WebhookDelivery.objects.select_related("endpoint"), endpoint=self.endpoint, pk=pk
        )
        again = services.delivery_redeliver(actor=Actor.for_request(request), delivery=delivery)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
