//! The requests centre's staff of 汉阴 for the ticket tests: the centre's agent and manager and the
//! ticket handlers of two departments (市场监管 and 住建).

use yiyin_app::Principal;
use yiyin_domain::roles::Role;

use crate::app::TestApp;

/// The jurisdiction of the ticket tests.
pub const HANYIN: &str = "hanyin";

/// The centre's agent (`hy.centre`) and manager (`hy.centre.head`), and the ticket handlers of
/// 市场监管 (`hy.handler`) and 住建 (`hy.zj`).
pub struct Centre {
    pub agent: Principal,
    pub manager: Principal,
    pub market: Principal,
    pub housing: Principal,
}

/// Creates the centre's staff.
pub async fn centre(t: &TestApp) -> Centre {
    Centre {
        agent: t.staff("hy.centre", Role::CentreAgent, HANYIN, None).await,
        manager: t
            .staff("hy.centre.head", Role::CentreManager, HANYIN, None)
            .await,
        market: t
            .staff("hy.handler", Role::TicketHandler, HANYIN, Some("shichang"))
            .await,
        housing: t
            .staff("hy.zj", Role::TicketHandler, HANYIN, Some("zhujian"))
            .await,
    }
}
