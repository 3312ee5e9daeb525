"""Open311 GeoReport v2 at `/open311/v2/` (DESIGN §6; `docs/integration/open311.md`).

An interop façade over the event loop: services are the active leaf event categories,
POSTed requests enter the same loop as every other public report (`public_report_submit`),
and GET answers the public state of cases reported through public channels. Modules:

- `views`: thin HTTP layer (format, method, jurisdiction, rate limits, key)
- `params`: request arguments (dates, lists, pages) → `Open311Error` on bad input
- `render`: XML and JSON (Spark convention) and the spec's error bodies
- `catalogue`, `attributes`: services, service definitions, attribute validation
- `selectors`, `statuses`: the public view of a request (status, notes, privacy)
- `clients`: client keys (issue, rotate, revoke) and audit records of refusals
- `services`: creating a request (and re-exports of `clients`)
- `feed`, `comments`: FixMyStreet's servicerequestupdates — the progress feed of a key's
  region (GET) and citizens' comments on a client's own cases (POST, `Open311Update`)
"""
