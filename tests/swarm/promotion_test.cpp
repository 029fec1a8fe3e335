// The advice about managers, as the swarm counts them: too few, or some not ready.
#include "swarm/promotion.h"

#include <gtest/gtest.h>

using namespace rsm::swarm;

namespace {

NodeView node(const std::string& name, const std::string& role, const std::string& state = "ready") {
  NodeView view;
  view.name = name;
  view.role = role;
  view.state = state;
  return view;
}

}  // namespace

TEST(ManagersAdvice, SaysNothingWhenThreeManagersAreReady) {
  EXPECT_EQ(managers_advice("dev", {node("m1", "manager"), node("m2", "manager"), node("m3", "manager")}), "");
  EXPECT_EQ(managers_advice("dev", {node("m1", "manager"), node("w1", "worker")}), "") << "too small to tell";
}

TEST(ManagersAdvice, NamesHowManyToPromoteWhenThereAreTooFew) {
  EXPECT_EQ(managers_advice("dev", {node("m1", "manager"), node("w1", "worker"), node("w2", "worker")}),
            "dev has 1 manager(s): with one down the swarm restarts nothing, so the cluster is not highly available; "
            "promote 2 more: rsm nodes promote dev");
}

TEST(ManagersAdvice, SaysToStartAManagerThatIsDownNotToPromote) {
  std::string advice =
      managers_advice("dev", {node("m1", "manager"), node("m2", "manager"), node("m3", "manager", "down")});
  EXPECT_EQ(advice,
            "1 of dev's 3 managers is not ready (m3): start it (rsm nodes start dev) before another fails, or the "
            "swarm loses its majority");
  std::string lost =
      managers_advice("dev", {node("m1", "manager"), node("m2", "manager", "down"), node("m3", "manager", "unknown")});
  EXPECT_NE(lost.find("2 of dev's 3 managers are not ready (m2, m3): start them"), std::string::npos) << lost;
  EXPECT_NE(lost.find("lost its majority"), std::string::npos) << lost;
}
