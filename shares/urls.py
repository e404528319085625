"""Public routes (SPEC §12): landing pages, the player and the embed manifest."""

from django.urls import path

from . import public

urlpatterns = [
    path("v/<str:slug>", public.landing, name="share-landing"),
    path("v/<str:slug>/cta", public.cta, name="share-cta"),
    path("player/", public.player, name="player"),
    path("embed/v1/manifest", public.embed_manifest, name="embed-manifest"),
]
