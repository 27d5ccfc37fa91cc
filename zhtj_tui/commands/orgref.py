"""Finding an organisation named on the command line: an id or a full/short name."""

from __future__ import annotations


def resolve_org(services, ref: str) -> int:
    """The id of the organisation ``ref`` names: its id, its 全称, or an unambiguous 简称
    (the look-up is ``OrgService.resolve``; refusals are ``DomainError`` in Chinese)."""
    return services.orgs.resolve(ref)
