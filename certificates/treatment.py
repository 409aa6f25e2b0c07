"""The treatment gate (record treatment initiation): being built."""

from django.http import Http404


def initiate(request, slug):
    raise Http404
