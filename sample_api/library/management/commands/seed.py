"""``manage.py seed``: a few authors and books, once; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from sample_api.library.models import Author, Book

SEED = {
    "Ursula K. Le Guin": [("A Wizard of Earthsea", 1968, 3), ("The Dispossessed", 1974, 1)],
    "Italo Calvino": [("Invisible Cities", 1972, 2)],
    "Octavia E. Butler": [("Kindred", 1979, 0)],
}


class Command(BaseCommand):
    help = "Create the sample's seed authors and books if the database has none."

    def handle(self, *args: Any, **options: Any) -> None:
        if Author.objects.exists():
            self.stdout.write("seed: data already present")
            return
        with transaction.atomic():
            for name, books in SEED.items():
                author = Author.objects.create(name=name)
                for title, year, copies in books:
                    Book.objects.create(title=title, author=author, year=year, copies=copies)
        self.stdout.write(f"seed: {Author.objects.count()} authors, {Book.objects.count()} books")
