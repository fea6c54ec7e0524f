//! Temporary stand-ins until the fleet and Step Functions models land.
pub mod ecs {
    use crate::model::{Demand, OptionPlan, Platform};
    pub fn evaluate(
        _: &Demand,
        _: &crate::profile::EcsConfig,
        _: &crate::pricing::PriceBook,
    ) -> OptionPlan {
        OptionPlan::infeasible(Platform::Ecs, "not modelled yet")
    }
}
pub mod ec2 {
    use crate::model::{Demand, OptionPlan, Platform};
    pub fn evaluate(
        _: &Demand,
        _: &crate::profile::Ec2Config,
        _: &crate::pricing::PriceBook,
    ) -> OptionPlan {
        OptionPlan::infeasible(Platform::Ec2, "not modelled yet")
    }
}
