import { PageTitle } from "../components/ui";
export function ReputationPage({ address }: { address: string }) {
  return <PageTitle>Reputation of {address}</PageTitle>;
}
