"""The words of the public pages (landing page chrome, player controls, notices) in the
languages campaigns are sent in. A page speaks the share's effective locale (the share's
``locale``, else the project's, else the organization's default); a locale whose language
isn't here falls back to English. Kept as plain tables rather than gettext catalogues: the
public pages need a dozen strings, and each is chosen per request by the share's locale, not
by the visitor's browser or the server's active language."""

NOT_YET = "not_yet"
GONE = "gone"
TOO_MANY = "too_many"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "password_title": "This video is protected",
        "password_label": "Password",
        "password_submit": "Watch",
        "password_wrong": "That password is not right.",
        NOT_YET: "This video is not available yet.",
        f"{NOT_YET}_hint": "Please try again later.",
        GONE: "This video is no longer available.",
        f"{GONE}_hint": "The link you followed has been taken down.",
        TOO_MANY: "Too many requests; please try again in a moment.",
        f"{TOO_MANY}_hint": "",
        "video": "Video",
        "pause": "Pause",
        "play": "Play",
        "replay": "Replay",
        "mute": "Mute",
        "unmute": "Unmute",
        "controls": "Video controls",
        "privacy": "Privacy policy",
        "sent_by": "Sent by {name}",
        "cant_play": "This video can't be played.",
    },
    "es": {
        "password_title": "Este video está protegido",
        "password_label": "Contraseña",
        "password_submit": "Ver",
        "password_wrong": "La contraseña no es correcta.",
        NOT_YET: "Este video aún no está disponible.",
        f"{NOT_YET}_hint": "Vuelve a intentarlo más tarde.",
        GONE: "Este video ya no está disponible.",
        f"{GONE}_hint": "El enlace que seguiste fue dado de baja.",
        TOO_MANY: "Demasiadas solicitudes; vuelve a intentarlo en un momento.",
        f"{TOO_MANY}_hint": "",
        "video": "Video",
        "pause": "Pausar",
        "play": "Reproducir",
        "replay": "Volver a ver",
        "mute": "Silenciar",
        "unmute": "Activar sonido",
        "controls": "Controles del video",
        "privacy": "Política de privacidad",
        "sent_by": "Enviado por {name}",
        "cant_play": "No se puede reproducir este video.",
    },
    "pt": {
        "password_title": "Este vídeo está protegido",
        "password_label": "Senha",
        "password_submit": "Assistir",
        "password_wrong": "A senha não está correta.",
        NOT_YET: "Este vídeo ainda não está disponível.",
        f"{NOT_YET}_hint": "Tente novamente mais tarde.",
        GONE: "Este vídeo não está mais disponível.",
        f"{GONE}_hint": "O link que você seguiu foi desativado.",
        TOO_MANY: "Muitas solicitações; tente novamente em instantes.",
        f"{TOO_MANY}_hint": "",
        "video": "Vídeo",
        "pause": "Pausar",
        "play": "Reproduzir",
        "replay": "Assistir de novo",
        "mute": "Silenciar",
        "unmute": "Ativar som",
        "controls": "Controles do vídeo",
        "privacy": "Política de privacidade",
        "sent_by": "Enviado por {name}",
        "cant_play": "Não é possível reproduzir este vídeo.",
    },
}
DEFAULT_LANGUAGE = "en"


def language_of(locale: str | None) -> str:
    """The language of the tables for a BCP 47 tag (``es-CL`` → ``es``; unknown → ``en``)."""
    language = (locale or "").split("-")[0].split("_")[0].lower()
    return language if language in TEXT else DEFAULT_LANGUAGE


def text_for(locale: str | None) -> dict[str, str]:
    return TEXT[language_of(locale)]
