"""unspin: detect and reverse automated text spinning."""

from unspin.model import Candidate, Report, Span, Token
from unspin.pipeline import Analyzer, analyze, default_analyzer

__all__ = ["Analyzer", "Candidate", "Report", "Span", "Token", "analyze", "default_analyzer"]
