"""Accessibility checks in the browser: axe-core (WCAG 2.1 AA), visible focus, reflow."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()

FOCUS_IS_VISIBLE = """
(element) => {
  if (!element.matches(':focus-visible')) return 'not :focus-visible';
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return outline || shadow ? '' : `no outline or shadow (outline: ${style.outline})`;
}
"""

HORIZONTAL_OVERFLOW = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width) return [];
  // Name the outermost elements that stick out, to make a failure actionable.
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const right = element.getBoundingClientRect().right;
    const parent = element.parentElement.getBoundingClientRect().right;
    if (right > width + 1 && parent <= width + 1) {
      wide.push(`${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}.${element.className} (to ${Math.round(right)}px)`);
    }
  }
  return [`page is ${root.scrollWidth}px wide in a ${width}px viewport`, ...wide.slice(0, 8)];
}
"""


def axe_violations(page) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations on the page, one line per rule."""
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_21_AA},
            "resultTypes": ["violations"],
        },
    )
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
            )
    return found


def assert_accessible(page, label: str = "") -> None:
    problems = axe_violations(page)
    assert not problems, f"axe on {label or page.url}:\n" + "\n".join(problems)


def focus_problem(page) -> str:
    """Empty when the focused element shows a visible focus indicator, else why not."""
    return page.evaluate(f"({FOCUS_IS_VISIBLE})(document.activeElement)")


def horizontal_overflow(page) -> list[str]:
    return page.evaluate(HORIZONTAL_OVERFLOW)
