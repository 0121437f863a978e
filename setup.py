import re
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (HERE / "ot_views" / "__init__.py").read_text(), re.M
).group(1)

setup(
    name="ot-views",
    version=VERSION,
    description="OpenTracing for Django and Django REST framework, built around class-based views",
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    license="BSD-3-Clause",
    packages=["ot_views", "ot_views.otel", "ot_views.viewer", "ot_views_drf"],
    package_data={
        "ot_views": ["py.typed"],
        "ot_views.viewer": ["templates/ot_views/viewer/*.html"],
        "ot_views_drf": ["py.typed"],
    },
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.10",
    install_requires=["Django>=4.2", "opentracing>=2.4"],
    extras_require={
        "drf": ["djangorestframework>=3.15"],
        "otel": [
            "opentelemetry-api>=1.20",
            "opentelemetry-sdk>=1.20",
            "opentelemetry-opentracing-shim>=0.41b0",
            "opentelemetry-exporter-otlp-proto-http>=1.20",
        ],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Environment :: Web Environment",
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Framework :: Django :: 6.0",
        "Framework :: Django :: 6.1",
        "Intended Audience :: Developers",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: System :: Monitoring",
        "Typing :: Typed",
    ],
)
