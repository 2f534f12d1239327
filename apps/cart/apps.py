from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "apps.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self):
        from apps.account import services as account

        from . import checks, fragments, members, signals  # noqa: F401  (registers checks, the badge, the sign-in merge)

        # The account site shows a member's orders and handles them in their data, knowing no cart code.
        account.register_dashboard_section(
            account.DashboardSection(key="orders", title="Orders", render=members.render_orders_section, order=10)
        )
        account.register_member_data(
            account.MemberDataProvider(name="orders", export=members.export_orders, erase=members.erase_member)
        )
