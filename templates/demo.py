"""A demo template for ``load_demo_data``: a small Lottie welcome animation whose headline
and colour are personalised, uploaded to the demo's active card campaign."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.demo import Demo
from projects.models import Project

from .models import Template
from .services import template_upload

DEMO_PROJECT_SLUG = "credito-pre-aprobado-q2"
DEMO_TEMPLATE_NAME = "Bienvenida personalizada"


def _text_layer(index: int, name: str, text: str, y: int, size: int) -> dict:
    return {
        "ddd": 0,
        "ind": index,
        "ty": 5,
        "nm": name,
        "ip": 0,
        "op": 150,
        "st": 0,
        "ks": {"p": {"a": 0, "k": [640, y, 0]}, "o": {"a": 0, "k": 100}},
        "t": {
            "d": {
                "k": [{"s": {"t": text, "s": size, "f": "Arial", "fc": [1, 1, 1], "j": 2}, "t": 0}]
            }
        },
    }


ANIMATION = {
    "v": "5.7.4",
    "fr": 30,
    "ip": 0,
    "op": 150,
    "w": 1280,
    "h": 720,
    "nm": "Bienvenida",
    "ddd": 0,
    "assets": [],
    "fonts": {"list": [{"fName": "Arial", "fFamily": "Arial", "fStyle": "Regular", "ascent": 72}]},
    "layers": [
        _text_layer(1, "headline", "¡Hola!", 320, 72),
        _text_layer(2, "offer", "Tu tarjeta está pre-aprobada", 420, 40),
        {
            "ddd": 0,
            "ind": 3,
            "ty": 1,
            "nm": "background",
            "ip": 0,
            "op": 150,
            "st": 0,
            "sc": "#1d4ed8",
            "sw": 1280,
            "sh": 720,
            "ks": {"p": {"a": 0, "k": [640, 360, 0]}, "a": {"a": 0, "k": [640, 360, 0]}},
        },
    ],
}
MANIFEST = {
    "bindings": [
        {"key": "firstName", "layer": "headline", "type": "text", "required": True},
        {
            "key": "offer",
            "layer": "offer",
            "type": "text",
            "required": False,
            "default": "Tu tarjeta está pre-aprobada",
        },
        {
            "key": "brandColour",
            "layer": "background",
            "type": "color",
            "required": False,
            "default": "#1d4ed8",
        },
    ]
}


def _json_file(name: str, content: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(content).encode(), "application/json")


def load_demo_template(demo: Demo) -> None:
    project = (
        Project.objects.live()
        .filter(organization=demo.organization, slug=DEMO_PROJECT_SLUG)
        .first()
    )
    if (
        project is None
        or Template.objects.filter(project=project, name=DEMO_TEMPLATE_NAME).exists()
    ):
        return
    template_upload(
        actor=demo.actor,
        project=project,
        name=DEMO_TEMPLATE_NAME,
        kind="LottieStandalone",
        template_json=_json_file("bienvenida.json", ANIMATION),
        manifest_json=_json_file("manifest.json", MANIFEST),
    )
