"""Make an API token for a system account and print it once (as the token page does)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from core.management.audited import audited
from org.models import User
from org.services.tokens import DEFAULT_DAYS, parse_expiry, token_create


class Command(BaseCommand):
    help = "Create an API token for a system account and print it once; only its digest is stored."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the system account (made on the 系统账号与接口令牌 page)")
        parser.add_argument("--read-only", action="store_true", help="the token reads but never writes")
        parser.add_argument("--expires", default=f"{DEFAULT_DAYS}d", help="validity: 90d (default), 12w, 6m, 1y")
        parser.add_argument("--name", default="", help="which system uses it")

    @audited(_("Create an API token (command line)"), "username")
    def handle(self, *args, **options):
        account = User.objects.filter(username=options["username"]).first()
        if account is None:
            raise CommandError(f"没有用户“{options['username']}”")
        try:
            days = parse_expiry(options["expires"])
            row, token = token_create(account=account, name=options["name"], days=days,
                                      read_only=options["read_only"])
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        self.stderr.write(
            f"{account.get_username()} 的令牌 {row.prefix}…（{'只读' if row.read_only else '可读写'}），"
            f"有效至 {row.expires_at:%Y-%m-%d %H:%M}。令牌只显示这一次，请立即交给对方系统保存："
        )
        self.stdout.write(token)
