import { useEffect, useRef } from "react";
import { Layout } from "./components/Layout";
import { matchRoute, useLocation } from "./router";
import { SessionProvider } from "./session";
import { GuildPage } from "./pages/GuildPage";
import { GuildsPage } from "./pages/GuildsPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { SkillsPage } from "./pages/SkillsPage";
import { TaskPage } from "./pages/TaskPage";
import { TasksPage } from "./pages/TasksPage";
import { WalletPage } from "./pages/WalletPage";
import { SubmissionPage } from "./pages/SubmissionPage";
import { ValidatorPage } from "./pages/ValidatorPage";
import { DashboardPage } from "./pages/DashboardPage";
import { LeaderboardsPage } from "./pages/LeaderboardsPage";
import { ReputationPage } from "./pages/ReputationPage";
import { LandingPage } from "./pages/LandingPage";
import { QuestPage, QuestsPage } from "./pages/QuestsPage";
import { CreatorPage, TaskEditorPage } from "./pages/CreatorPage";
import { StakingPage } from "./pages/StakingPage";
import { GovernancePage, ProposalPage } from "./pages/GovernancePage";
import { AdminPage } from "./pages/AdminPage";
import { SettingsPage } from "./pages/SettingsPage";

function Page() {
  const { path } = useLocation();
  const route = matchRoute(path);
  // After a navigation (not the first paint), move focus to the new page's heading so screen
  // readers announce it and keyboard users start from the top.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = window.setTimeout(() => document.getElementById("page-title")?.focus({ preventScroll: true }), 50);
    return () => window.clearTimeout(t);
  }, [path]);

  switch (route.name) {
    case "tasks":
      return <TasksPage />;
    case "task":
      return <TaskPage key={route.id} id={route.id} />;
    case "wallet":
      return <WalletPage key={route.address} address={route.address} />;
    case "guilds":
      return <GuildsPage />;
    case "guild":
      return <GuildPage key={route.slug} slug={route.slug} />;
    case "skills":
      return <SkillsPage />;
    case "submission":
      return <SubmissionPage key={route.id} id={route.id} />;
    case "review":
      return <ValidatorPage />;
    case "dashboard":
      return <DashboardPage />;
    case "leaderboards":
      return <LeaderboardsPage />;
    case "reputation":
      return <ReputationPage key={route.address} address={route.address} />;
    case "landing":
      return <LandingPage />;
    case "quests":
      return <QuestsPage />;
    case "quest":
      return <QuestPage key={route.id} id={route.id} />;
    case "create":
      return <CreatorPage />;
    case "createTask":
      return <TaskEditorPage key={route.id ?? "new"} id={route.id} />;
    case "staking":
      return <StakingPage />;
    case "governance":
      return <GovernancePage />;
    case "proposal":
      return <ProposalPage key={route.id} id={route.id} />;
    case "admin":
      return <AdminPage />;
    case "settings":
      return <SettingsPage />;
    default:
      return <NotFoundPage />;
  }
}

export function App() {
  return (
    <SessionProvider>
      <Layout>
        <Page />
      </Layout>
    </SessionProvider>
  );
}
