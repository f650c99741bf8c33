from conftest import build_site


def test_the_base_fixture_builds(make_site):
    root = make_site()
    report = build_site(root)
    assert (root / "public/en/stories/gbsa-centre/index.html").is_file()
    assert (root / "public/zh/stories/new-door/index.html").is_file()
    assert report.pages > 20
