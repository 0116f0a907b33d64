"""Sign-in with an OpenID Connect provider (Authlib's client, joserfc for the ID token).

The authorization code flow with every check the specification asks of a client: the
provider's discovery document, a ``state`` bound to this browser's session, a ``nonce`` bound
to the ID token, PKCE (S256), and an ID token whose signature (the provider's JWKS), issuer,
audience, expiry and nonce are verified. An account is linked by the provider's *verified*
email only. A second factor the provider asserts (``amr``) counts for staff when the setting
``OIDC_SECOND_FACTOR_AMR`` names it.

Nothing here touches the request or the session: the views keep the pending values
(state, nonce, verifier) in the session and hand them back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from conference.errors import DomainError

# The provider's discovery document and keys are fetched again after this long.
METADATA_SECONDS = 3600
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


class SignInError(DomainError):
    """The provider's answer cannot sign anyone in (said in words, never a trace).

    The message is lazily translated: the page shows ``reason`` in the visitor's language,
    the security log keeps it in English.
    """

    @property
    def reason(self) -> str | LazyString:
        return self.message


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    second_factor_amr: frozenset[str]
    timeout: float

    @classmethod
    def of(cls, config: dict[str, Any]) -> Settings | None:
        """The provider settings, or None when sign-in with a provider is off."""
        issuer = (config.get("OIDC_ISSUER") or "").rstrip("/")
        if not issuer or not config.get("OIDC_CLIENT_ID"):
            return None
        amr = {v.strip() for v in (config.get("OIDC_SECOND_FACTOR_AMR") or "").split(",")}
        return cls(
            issuer=issuer,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config.get("OIDC_CLIENT_SECRET") or "",
            scopes=config.get("OIDC_SCOPES") or "openid email profile",
            second_factor_amr=frozenset(v for v in amr if v),
            timeout=float(config.get("OIDC_TIMEOUT_SECONDS") or 10),
        )


@dataclass(frozen=True)
class Pending:
    """What the browser's session keeps between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier}


@dataclass(frozen=True)
class Identity:
    """Who the provider vouches for."""

    subject: str
    email: str
    name: str
    second_factor: bool
    methods: tuple[str, ...]


class ProviderMetadata:
    """The discovery document and the signing keys, fetched once an hour per process."""

    def __init__(self) -> None:
        self._cached: dict[str, tuple[float, dict[str, Any], KeySet]] = {}

    def get(self, settings: Settings) -> tuple[dict[str, Any], KeySet]:
        cached = self._cached.get(settings.issuer)
        if cached is not None and time.monotonic() - cached[0] < METADATA_SECONDS:
            return cached[1], cached[2]
        document = _get_json(f"{settings.issuer}/.well-known/openid-configuration", settings)
        if document.get("issuer", "").rstrip("/") != settings.issuer:
            raise SignInError(_l("The identity provider's configuration names another issuer."))
        keys = KeySet.import_key_set(_get_json(document["jwks_uri"], settings))
        self._cached = {settings.issuer: (time.monotonic(), document, keys)}  # one provider
        return document, keys


def _get_json(url: str, settings: Settings) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.timeout)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInError(
            _l(
                "The identity provider did not answer as expected (%(error)s).",
                error=type(error).__name__,
            )
        ) from None


def _session(settings: Settings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        settings.client_id,
        settings.client_secret,
        scope=settings.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method name)
    )


def begin(settings: Settings, metadata: ProviderMetadata, redirect_uri: str) -> tuple[str, Pending]:
    """The provider's authorization address, and what to keep until the callback."""
    document, _keys = metadata.get(settings)
    pending = Pending(
        state=generate_token(32), nonce=generate_token(32), verifier=generate_token(64)
    )
    url, _state = _session(settings, redirect_uri).create_authorization_url(
        document["authorization_endpoint"],
        state=pending.state,
        code_verifier=pending.verifier,
        nonce=pending.nonce,
    )
    return url, pending


def complete(
    settings: Settings,
    metadata: ProviderMetadata,
    redirect_uri: str,
    args: dict[str, str],
    pending: Pending,
) -> Identity:
    """Check the callback, exchange its code and verify the ID token; raises ``SignInError``."""
    if args.get("state") != pending.state:
        raise SignInError(
            _l("This sign-in did not start in this browser (its state does not match).")
        )
    if args.get("error"):
        reason = args.get("error_description") or args["error"]
        raise SignInError(
            _l("The identity provider refused the sign-in: %(reason)s", reason=reason[:200])
        )
    if not args.get("code"):
        raise SignInError(_l("The identity provider sent no authorization code."))
    document, keys = metadata.get(settings)
    try:
        token = _session(settings, redirect_uri).fetch_token(
            document["token_endpoint"],
            code=args["code"],
            code_verifier=pending.verifier,
            timeout=settings.timeout,
        )
    except Exception as error:  # Authlib raises its own errors and requests' alike
        raise SignInError(
            _l(
                "The identity provider did not accept the sign-in (%(error)s).",
                error=type(error).__name__,
            )
        ) from None
    if not token.get("id_token"):
        raise SignInError(_l("The identity provider sent no ID token."))
    claims = _verified_claims(token["id_token"], keys, settings, pending.nonce)
    if not claims.get("email") or claims.get("email_verified") is not True:
        raise SignInError(
            _l("The identity provider did not confirm your email address, so no account is linked.")
        )
    methods = tuple(str(m) for m in claims.get("amr") or [])
    return Identity(
        subject=str(claims["sub"]),
        email=str(claims["email"]),
        name=str(claims.get("name") or claims["email"].split("@")[0]),
        second_factor=bool(settings.second_factor_amr.intersection(methods)),
        methods=methods,
    )


def _verified_claims(id_token: str, keys: KeySet, settings: Settings, nonce: str) -> dict:
    try:
        decoded = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(decoded.claims)
    except JoseError as error:
        raise SignInError(
            _l("The identity provider's ID token was refused (%(error)s).", error=error.error)
        ) from None
    except ValueError:
        raise SignInError(_l("The identity provider's ID token was refused (malformed).")) from None
    return decoded.claims
