"""Public routes (SPEC §12): landing pages, the player and the embed manifest."""

from django.urls import path, re_path

from . import public

urlpatterns = [
    path("v/<str:slug>", public.landing, name="share-landing"),
    path("v/<str:slug>/cta", public.cta, name="share-cta"),
    path("player/", public.player, name="player"),
    path("embed/v1/manifest", public.embed_manifest, name="embed-manifest"),
    re_path(
        r"^brand/(?P<organization_id>[0-9a-f-]{36})/(?P<name>[0-9a-f]{32})\.png$",
        public.brand_logo,
        name="brand-logo",
    ),
    re_path(
        r"^brand/colour/(?P<colour>[0-9a-fA-F]{6})\.css$",
        public.brand_colour_css,
        name="brand-colour",
    ),
]
