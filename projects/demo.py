"""Demo projects for ``load_demo_data``: a few campaigns of a bank, in every status."""

from backoffice.demo import Demo

from . import services
from .constants import Status, Visibility
from .models import Project

CAMPAIGNS = [
    ("Crédito Pre-Aprobado Q2", "CPA-Q2", Status.ACTIVE, Visibility.ORGANIZATION, ["cards", "q2"]),
    (
        "Bienvenida Cuenta Corriente",
        "BCC-01",
        Status.ACTIVE,
        Visibility.ORGANIZATION,
        ["onboarding"],
    ),
    ("Seguro Auto Renovación", "SAR-24", Status.DRAFT, Visibility.ORGANIZATION, ["insurance"]),
    ("Hipotecario Preferente", "HIP-VIP", Status.DRAFT, Visibility.PRIVATE, ["mortgage", "vip"]),
    ("Campaña Navidad 2025", "NAV-25", Status.ARCHIVED, Visibility.ORGANIZATION, ["seasonal"]),
]


def load_demo_projects(demo: Demo) -> None:
    existing = set(
        Project.objects.live().filter(organization=demo.organization).values_list("name", flat=True)
    )
    for name, job_code, status, visibility, tags in CAMPAIGNS:
        if name in existing:
            continue
        project = services.project_create(
            actor=demo.actor,
            organization=demo.organization,
            name=name,
            job_code=job_code,
            visibility=visibility,
            tags=tags,
            description=f"Personalized video campaign {job_code}.",
        )
        if status == Status.ACTIVE:
            services.project_activate(actor=demo.actor, project=project)
        elif status == Status.ARCHIVED:
            services.project_archive(actor=demo.actor, project=project)
