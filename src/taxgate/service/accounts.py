"""People who use the service, and how they prove who they are.

Passwords are kept as scrypt hashes (RFC 7914, in the standard library) with a random salt;
API tokens and console session cookies are random secrets kept only as their SHA-256, so a
copy of the store gives nobody a way in. A secret is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError

from taxgate.errors import ConflictError, NotFoundError, OptionError
from taxgate.law.facts import agency_code
from taxgate.store import Store
from taxgate.store.models import ServiceSession, ServiceToken, ServiceUser

USERS = cast(Table, ServiceUser.__table__)
TOKENS = cast(Table, ServiceToken.__table__)
SESSIONS = cast(Table, ServiceSession.__table__)

ROLES: Final = ("officer", "counsel", "auditor", "custodian", "public")
# scrypt's cost: 16 MiB and ~50 ms per check, the parameters RFC 7914 suggests for
# interactive sign-in; stored beside each hash so they can be raised without a migration.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_HOURS: Final = 8  # a working day; the cookie ends with it
TOKEN_PREFIX: Final = "tgt_"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    agency: str  # a custodian's agency code; "" for every other role


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime | None = None) -> str:
    return (moment or now()).isoformat(timespec="seconds").replace("+00:00", "Z")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: Any) -> User:
    return User(int(row.id), str(row.name), str(row.role), str(row.agency))


def check_new_user(name: str, role: str, agency: str, password: str) -> tuple[str, str]:
    """The name and agency code to store, or a one-line error naming the option."""
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise OptionError("a user name is 1 to 200 printable characters", option="NAME")
    if role not in ROLES:
        raise OptionError(f"--role {role!r} is not a role; use one of {', '.join(ROLES)}")
    code = agency_code(agency) if agency else ""
    if role == "custodian" and not code:
        raise OptionError("a custodian acts for one agency: pass --agency CODE (e.g. ICE)")
    if role != "custodian" and code:
        raise OptionError(f"--agency is for custodians only, not for a {role}")
    if len(password) < 8:
        raise OptionError("a password has at least 8 characters")
    return name, code


def add_user(store: Store, name: str, role: str, password: str, agency: str = "") -> User:
    """Create a user; ``ConflictError`` if the name is taken."""
    name, code = check_new_user(name, role, agency, password)
    row = {
        "name": name,
        "role": role,
        "agency": code,
        "password_hash": hash_password(password),
        "created": stamp(),
    }
    try:
        with store.transaction() as conn:
            conn.execute(insert(USERS).values(**row))
    except IntegrityError:
        raise ConflictError(f"there is already a user named {name!r}") from None
    return find_user(store, name)


def find_user(store: Store, name: str) -> User:
    with store.engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no user named {name!r}; create one with `taxgate serve user add`")
    return _user(row)


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        return [_user(row) for row in conn.execute(select(USERS).order_by(USERS.c.name))]


def sign_in(store: Store, name: str, password: str) -> User | None:
    """The user when the password is theirs, else None (whichever of the two was wrong)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.name == name.strip())).first()
    if row is None:
        # Spend the same time as a real check, so timing does not tell who has an account.
        password_matches(password, hash_password("not-a-user"))
        return None
    return _user(row) if password_matches(password, str(row.password_hash)) else None


def mint_token(store: Store, user: User, label: str = "") -> str:
    """A new API token for ``user``; the secret is returned here and never again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = {"user_id": user.id, "token_sha256": sha256(secret), "label": label, "created": stamp()}
    with store.transaction() as conn:
        conn.execute(insert(TOKENS).values(**row))
    return secret


def user_for_token(store: Store, secret: str) -> User | None:
    query = (
        select(USERS)
        .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
        .where(TOKENS.c.token_sha256 == sha256(secret))
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _user(row) if row is not None else None


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


def open_session(store: Store, user: User) -> tuple[str, Session]:
    """A new console session: (the cookie's secret, the session)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = stamp(now() + timedelta(hours=SESSION_HOURS))
    with store.transaction() as conn:
        # Sessions past their end are of no use to anyone: drop them as new ones start.
        conn.execute(delete(SESSIONS).where(SESSIONS.c.expires < stamp()))
        conn.execute(
            insert(SESSIONS).values(
                session_sha256=sha256(secret), user_id=user.id, csrf=csrf, expires=expires
            )
        )
    return secret, Session(user, csrf)


def session_for(store: Store, secret: str) -> Session | None:
    query = (
        select(USERS, SESSIONS.c.csrf, SESSIONS.c.expires)
        .join(SESSIONS, SESSIONS.c.user_id == USERS.c.id)
        .where(SESSIONS.c.session_sha256 == sha256(secret))
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None or str(row.expires) < stamp():
        return None
    return Session(_user(row), str(row.csrf))


def close_session(store: Store, secret: str) -> None:
    with store.transaction() as conn:
        conn.execute(delete(SESSIONS).where(SESSIONS.c.session_sha256 == sha256(secret)))
