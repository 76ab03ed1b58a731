def scroll_width(page) -> int:
    """The page's width as laid out with its stylesheet: after a click that navigates, an element can be
    visible before the stylesheet has loaded, and the unstyled page is wider (980 px, seen under load)."""
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth")
