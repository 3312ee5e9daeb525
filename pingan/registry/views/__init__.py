"""Registry web pages (`/registry/…`) for operators, grid workers at a desk, departments
through their gates and leaders (read-only). Thin: reads from `selectors` /
`page_selectors`, writes through the registry services."""
